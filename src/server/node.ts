/**
 * Entry "aegislog/server" under Node: everything of the Web entry, plus the
 * SQLite store, `localSigner({ dir })` with its key file, and the `node:http` adapter.
 */
export * from './index.js';
export { localSigner, loadOrCreateSigningJwk, KEY_FILE } from './key-file.js';
export { sqliteStore } from './sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
export { listen } from './node-http.js';
export type { ListenOptions, NodeServerHandle } from './node-http.js';
export { staticResponse } from './node-static.js';
