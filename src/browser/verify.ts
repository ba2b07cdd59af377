// Self-contained browser build of "aegislog/verify" (dist/browser/aegislog-verify.js),
// for <script type="module"> users: no bundler, no import map. The same values as the
// entry, by name (test/verify/browser-entry.test.ts keeps the two lists equal); types
// come from the entry's declarations.
export {
  AegisLogError, AegisLogValidationError, DEFAULT_MAX_FUTURE_SKEW, EMPTY_TREE_ROOT, ErrorCode, HASH_SIZE,
  MAX_NOTE_SIGNATURES, NoteKeyType, SIGNING_ALG,
  auditExport, auditPeriod, b64uDecode, b64uEncode, canonicalBytes, canonicalize, checkpointHash, checkpointStatementOf,
  complianceOf, consistencyFromTiles, cosignatureV1Message, derToRaw, describeQuorum, eventDigest, fetchTileSource,
  flattenKeys, formatCheckpoint, formatNote, formatPolicy, formatTime, formatVkey, frontierFromTiles, gapCounter,
  importPublicKey, inclusionFromTiles, inclusionProof, isKeyName, jwkThumbprint, leafHash, merkleRoot, nodeHash,
  noteKeyId, parseCheckpoint, parseNote, parsePolicy, parseSignatureLine, parseSignatureLines, parseTilePath, parseTime,
  parseTimestampedSignature, parseVkey, policyFromKeys, quorumSatisfied, rawToDer, receiptHash, receiptStatementOf,
  rootFromTiles, selectKey, signNote, signatureLine, subtreeV1Message, tenantHeadHash, tenantHeadOf, tilePath,
  verifyCheckpointChain, verifyConsistency, verifyEvidence, verifyHistory, verifyInclusion, verifyNote, verifySignature,
} from '../verify/index.js';
