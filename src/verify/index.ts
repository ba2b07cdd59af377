/**
 * Entry "aegislog/verify": check evidence offline with nothing but the evidence
 * and a pinned public key, in a browser, an edge function or Node.
 * Named exports only (docs/contributing.md); reviewed in api/aegislog-verify.api.md.
 * From the protocol layer, what an auditor recomputes: hashes of each statement,
 * JCS, base64url, DER <-> P1363, times, and the wire types.
 */
export {
  AegisLogError, AegisLogValidationError, ErrorCode, type WireErrorCode,
  canonicalize, canonicalBytes, type CanonicalizeOptions,
  b64uEncode, b64uDecode, derToRaw, rawToDer, formatTime, parseTime, jwkThumbprint, type EcPublicJwk,
  eventDigest, receiptStatementOf, receiptHash, tenantHeadOf, tenantHeadHash, checkpointStatementOf, checkpointHash,
  SIGNING_ALG, type SigningAlg, type WireEvent, type ReceiptStatement, type Receipt,
  type TenantHeadV1, type CheckpointStatementV1, type CheckpointV1, type InclusionProofV1, type EvidenceBundleV1,
  type TenantHead, type ProofWire, type ConsistencyWire, type EvidenceBundle,
  type ExportHeader, type ExportLine, type HistoryEntry, type CheckpointHistory, type HeadLine,
} from '../protocol/index.js';
export { complianceOf, type ComplianceBlock } from './compliance.js';
export {
  HASH_SIZE, leafHash, nodeHash, merkleRoot, inclusionProof, verifyInclusion, verifyConsistency,
  type InclusionClaim, type ConsistencyClaim,
} from '../tlog/merkle.js';
export { importPublicKey, flattenKeys, type VerifyKey, type KeyInput, type PublicKeyInput, type ImportKeyOptions } from './keys.js';
export { verifySignature, selectKey, type VerifySignatureInput, type Backend } from './ecdsa.js';
export { verifyCheckpointChain, type ChainReport, type ChainOptions } from './chain.js';
export { auditPeriod, type AuditOptions, type AuditReport, type AuditProblem, type AuditTarget } from './audit.js';
export type { ReceiptSource } from './ndjson.js';
export {
  parseNote, formatNote, signNote, signatureLine, parseSignatureLine, parseSignatureLines, isKeyName,
  MAX_NOTE_SIGNATURES, type Note, type NoteSignature, type NoteSigner,
} from '../tlog/note.js';
export { parseVkey, formatVkey, noteKeyId, NoteKeyType, type NoteVerifierKey } from '../tlog/vkey.js';
export { parseCheckpoint, formatCheckpoint, EMPTY_TREE_ROOT, type CheckpointBody, type ParseCheckpointOptions } from '../tlog/checkpoint.js';
export {
  cosignatureV1Message, subtreeV1Message, parseTimestampedSignature, type SubtreeMessage, type TimestampedSignature,
} from '../tlog/cosignature.js';
export {
  parsePolicy, formatPolicy, quorumSatisfied, describeQuorum,
  type Policy, type PolicyLog, type PolicyWitness, type PolicyGroup, type QuorumRule,
} from '../tlog/policy.js';
export {
  verifyNote, policyFromKeys, DEFAULT_MAX_FUTURE_SKEW,
  type NoteTrust, type NoteVerdict, type NoteCheck, type VerifyNoteOptions, type VerifiedSigner, type VerifiedCosigner,
} from './notes.js';
export type { MlDsa44 } from './ml-dsa.js';
export type { Check, CheckStatus } from './check.js';
export { verifyEvidence, type EvidenceReport, type EvidenceOptions, type CheckName } from './evidence.js';
export type { CheckNameV1 } from './evidence-v1.js';
export type { CheckNameV2 } from './evidence-v2.js';
export type { Cosigner, TrustedCheckpoint } from './evidence-v2.js';
export type { TrustOptions } from './trust.js';
export { auditExport, type ExportAuditOptions, type ExportReport, type ExportCheckName } from './export-audit.js';
export type { EntryProblem as ExportProblem } from './export-entries.js';
export type { ExportSource } from './export-input.js';
export { verifyHistory, type HistoryReport, type HistoryOptions, type HistoryEntryReport, type HistoryCheckName } from './history.js';
export { fetchTileSource, type FetchTileSourceOptions } from './tile-source.js';
export { rootFromTiles, frontierFromTiles, inclusionFromTiles, consistencyFromTiles, type TileSource } from '../tlog/tile-proofs.js';
export { tilePath, parseTilePath, type TileRef } from '../tlog/tiles.js';
export { gapCounter, type GapCounter, type GapReport, type ClientGaps, type DroppedEvent } from './gaps.js';
