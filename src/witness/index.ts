/**
 * Entry "aegislog/witness": a C2SP tlog-witness (add-checkpoint, monitoring)
 * as a Web request handler, for Node, Workers and any runtime with WebCrypto.
 * State lives in a WitnessStore: memory here; SQLite and files in the Node
 * entry; Durable Object storage in examples/witness-worker.
 */
export { createWitness, type Witness, type WitnessOptions, type AddCheckpointResult, type RefusalPage } from './witness.js';
export { witnessHandler, refusalWire, type WitnessHandlerOptions } from './handler.js';
export {
  memoryWitnessStore, MAX_REFUSALS_PER_ORIGIN,
  type WitnessStore, type CosignedCheckpoint, type Refusal, type RefusalKind, type Decision,
} from './store.js';
export { durableObjectWitnessStore, type DurableObjectStateLike, type DurableObjectStorageLike } from './durable-object-store.js';
export {
  cosigner, generateNoteSigningKey, parseNoteSigningKey,
  type KeyedNoteSigner, type NoteSigningKey, type CosignerOptions, type SigningKeyOptions,
} from '../verify/note-signers.js';
export {
  parseAddCheckpoint, formatAddCheckpoint, parseTlogSize, MAX_PROOF_LINES, TLOG_SIZE_CONTENT_TYPE, type AddCheckpointRequest,
} from '../tlog/witness-protocol.js';
export { NoteKeyType } from '../tlog/vkey.js';
export type { MlDsa44 } from '../verify/ml-dsa.js';
// Types the options above are made of.
export type { Backend } from '../verify/ecdsa.js';
export type { NoteSigner } from '../tlog/note.js';
export type { NoteVerifierKey } from '../tlog/vkey.js';
export type { Policy, PolicyGroup, PolicyLog, PolicyWitness, QuorumRule } from '../tlog/policy.js';
