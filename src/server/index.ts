/**
 * Entry "aegislog/server" (Web standards only: runs in workerd and on Vercel Edge).
 * Node adds the SQLite store, the key file and the HTTP adapter: see `./node.ts`.
 */
export { createServer } from './server.js';
export type { AegisServer, ExecutionContextLike, ServerOptions } from './server.js';
export type { ApiKeyConfig } from './auth.js';
export { DEFAULT_LIMITS } from './context.js';
export type { Limits } from './context.js';
export { memoryStore } from './memory-store.js';
export { localSigner, generateSigningJwk } from './signers/local.js';
export type { LocalSignerOptions } from './signers/local.js';
export { kmsSigner } from './signers/kms.js';
export type { KmsClientLike, KmsSdk, KmsSignerOptions } from './signers/kms.js';
export { ROOT_LOG } from './types.js';
// The types a Store implementation and the records it returns are made of.
export type { EcPublicJwk, HistoryEntry, ReceiptStatement, SigningAlg, TenantHead, WireEvent } from '../protocol/index.js';
export type { TileRef } from '../tlog/tiles.js';
export type { TileWrite } from '../tlog/tile-append.js';
export type { WitnessConfig, WitnessStatus } from './witness-client.js';
export type {
  AppendOutcome, AppendRequest, GrownLog, LogName, NewEntry, SealCommit, SignatureWrite, Signer, Store, StoredCheckpoint, StoredHead, StoredRecord,
} from './types.js';
// complianceOf lives with the verifier (pages use it too); re-exported here, where it was first.
export { complianceOf } from '../verify/compliance.js';
export type { ComplianceBlock } from '../verify/compliance.js';
export { durableObjectStore } from './durable-object-store.js';
export type { DurableObjectStoreOptions } from './durable-object-store.js';
export { rootLogObject, tenantLogObject } from './log-objects.js';
export type { DurableStorageLike } from './log-objects.js';
export type { LogObject } from './log-object-wire.js';
