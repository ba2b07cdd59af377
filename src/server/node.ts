/**
 * Entry "aegislog/server" under Node: everything of the Web entry, plus the
 * SQLite store, the PostgreSQL store (optional peer `pg`), `localSigner({ dir })`
 * with its key file, and the `node:http` adapter.
 */
import { createServer as webCreateServer } from './server.js';
import type { AegisServer, ServerOptions } from './server.js';
import { nodeSha256 } from './node-crypto.js';
import { AegisLogError } from '../protocol/errors.js';
import { kmsSigner as webKmsSigner, type KmsSdk, type KmsSignerOptions } from './signers/kms.js';
import type { Signer } from './types.js';

// Everything of the Web entry (./index.ts) but what Node overrides below: createServer, localSigner, kmsSigner.
// Named exports only (docs/contributing.md); reviewed in api/aegislog-server.api.md.
export { DEFAULT_LIMITS, ROOT_LOG, complianceOf, durableObjectStore, generateSigningJwk, memoryStore, rootLogObject, tenantLogObject } from './index.js';
export type {
  AegisServer, ApiKeyConfig, ExecutionContextLike, AppendOutcome, AppendRequest, ComplianceBlock, GrownLog, KmsClientLike, KmsSdk, KmsSignerOptions, Limits,
  LocalSignerOptions, LogName, NewEntry, SealCommit, ServerOptions, SignatureWrite, Signer, Store, StoredCheckpoint, StoredHead, StoredRecord,
  WitnessConfig, WitnessStatus, DurableObjectStoreOptions, DurableStorageLike, LogObject,
  EcPublicJwk, HistoryEntry, ReceiptStatement, SigningAlg, TenantHead, TileRef, TileWrite, WireEvent,
} from './index.js';
export type { NoteSigningKey, SigningKeyOptions } from '../verify/note-signers.js';
export type { MlDsa44 } from '../verify/ml-dsa.js'; // SigningKeyOptions.mlDsa44
export { NoteKeyType } from '../tlog/vkey.js'; // NoteSigningKey.type's values

/** `createServer` with node:crypto's SHA-256 (the Web entry's pure-JS one is the slower part of every receipt in Node). */
export function createServer(options: ServerOptions): AegisServer {
  return webCreateServer({ sha256: nodeSha256, ...options });
}
export { localSigner, readSigningJwk } from './key-file.js';
export { loadOrCreateNoteKey, readNoteKeyFile, writeNoteKeyFile, NOTE_KEY_FILE } from './note-key-file.js';

/** `kmsSigner` that loads the optional peer `@aws-sdk/client-kms` itself when `sdk` is not given. */
export async function kmsSigner(options: KmsSignerOptions): Promise<Signer> {
  if (options.sdk) return webKmsSigner(options);
  let sdk: KmsSdk;
  try {
    sdk = (await import('@aws-sdk/client-kms')) as unknown as KmsSdk;
  } catch (cause) {
    throw new AegisLogError('ERR_KMS_UNAVAILABLE', 'kmsSigner needs the optional peer dependency @aws-sdk/client-kms (npm install @aws-sdk/client-kms)', { cause });
  }
  return webKmsSigner({ ...options, sdk });
}
export { sqliteStore } from './sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
export { postgresStore } from './postgres-store.js';
export type { PostgresStoreOptions } from './postgres-store.js';
export { DEFAULT_HTTP_LIMITS, listen } from './node-http.js';
export type { FetchHandler, HttpLimits, ListenOptions, NodeServerHandle } from './node-http.js';
export { staticResponse } from './node-static.js';
