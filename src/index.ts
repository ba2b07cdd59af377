// Entry "aegislog": the client, its queues, the event validator and zod schemas, errors and wire types.
// The protocol's JCS and time helpers are in "aegislog/verify": exported here, they tied the verifier's
// modules to the client's, and a splitting bundler loaded them with record() (issue 15).
export * from './client/index.js';
export * from './queue/index.js';
export type { FetchLike } from './transport/http.js';
export type { BeaconLike, FetchLaterLike } from './transport/exit.js';
export * from './schema/index.js';
export * from './schema/zod.js';
export { AegisLogError, AegisLogValidationError, AegisLogHttpError, ErrorCode } from './protocol/errors.js';
export type * from './protocol/types.js';
export * from './trace/index.js';
