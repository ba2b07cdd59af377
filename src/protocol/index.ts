/** The bottom layer: every byte that is hashed or signed (PROTOCOL.md). Shared by client, server and verifier. */
export * from './errors.js';
export * from './base64url.js';
export * from './jcs.js';
export * from './der.js';
export * from './time.js';
export * from './types.js';
export * from './statements.js';
export * from './jwk.js';
