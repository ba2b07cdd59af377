/** Entry "aegislog/witness" under Node: the Web entry, plus witness state in SQLite or in files. */
export {
  createWitness, witnessHandler, refusalWire, memoryWitnessStore, durableObjectWitnessStore, MAX_REFUSALS_PER_ORIGIN,
  cosigner, generateNoteSigningKey, parseNoteSigningKey,
  parseAddCheckpoint, formatAddCheckpoint, parseTlogSize, MAX_PROOF_LINES, TLOG_SIZE_CONTENT_TYPE, NoteKeyType,
  type Witness, type WitnessOptions, type AddCheckpointResult, type RefusalPage, type WitnessHandlerOptions,
  type WitnessStore, type CosignedCheckpoint, type Refusal, type RefusalKind, type Decision,
  type DurableObjectStateLike, type DurableObjectStorageLike,
  type KeyedNoteSigner, type NoteSigningKey, type CosignerOptions, type SigningKeyOptions,
  type AddCheckpointRequest, type MlDsa44, type Backend, type NoteSigner, type NoteVerifierKey,
  type Policy, type PolicyGroup, type PolicyLog, type PolicyWitness, type QuorumRule,
} from './index.js';
export { witnessSqliteStore, type WitnessSqliteOptions } from './sqlite-store.js';
export { witnessFileStore } from './file-store.js';
