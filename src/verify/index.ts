/**
 * Entry "aegislog/verify": check evidence offline with nothing but the evidence
 * and a pinned public key, in a browser, an edge function or Node.
 */
export * from '../protocol/index.js';
export {
  HASH_SIZE, leafHash, nodeHash, merkleRoot, inclusionProof, verifyInclusion, verifyConsistency,
  type InclusionClaim, type ConsistencyClaim,
} from './merkle.js';
