// What the client tests import: the public entry, plus the protocol's base64url encoder for comparisons.
export * from '../../src/index.js';
export { b64uEncode as b64uEncodeForTest } from '../../src/protocol/base64url.js';
export { eventDigest } from '../../src/protocol/statements.js';
export { canonicalize } from '../../src/protocol/jcs.js';
