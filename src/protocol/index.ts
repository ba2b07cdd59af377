/** The bottom layer: every byte that is hashed or signed (PROTOCOL.md). Shared by client, server and verifier. */
export { AegisLogError, AegisLogHttpError, AegisLogValidationError, ErrorCode, WIRE_ERROR_CODES, httpErrorCode } from './errors.js';
export type { WireErrorCode } from './errors.js';
export { b64Decode, b64Encode, b64uDecode, b64uEncode, bytesEqual, hexDecode, hexEncode } from './base64url.js';
export { canonicalBytes, canonicalize, childPathOf, isWellFormed, pathOf } from './jcs.js';
export type { CanonicalizeOptions, JsonPath } from './jcs.js';
export { checkRawSignature, derToRaw, rawToDer } from './der.js';
export { formatTime, isTime, parseTime } from './time.js';
export { SIGNING_ALG } from './types.js';
export type {
  CheckpointHistory, CheckpointStatementV1, CheckpointV1, ConsistencyWire, EvidenceBundle, EvidenceBundleV1, ExportHeader, ExportLine, HeadLine,
  HistoryEntry, InclusionProofV1, ProofWire, Receipt, ReceiptStatement, SigningAlg, TenantHead, TenantHeadV1, WireEvent,
} from './types.js';
export {
  checkpointHash, checkpointStatementOf, eventDigest, receiptHash, receiptStatementOf, sha256, statementBytes, tenantHeadHash, tenantHeadOf,
} from './statements.js';
export { jwkThumbprint } from './jwk.js';
export type { EcPublicJwk } from './jwk.js';
