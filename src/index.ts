// Entry "aegislog": the client, its queues, the event validator and zod schemas, errors and wire types.
export * from './client/index.js';
export * from './queue/index.js';
export type { FetchLike } from './transport/http.js';
export type { BeaconLike, FetchLaterLike } from './transport/exit.js';
export * from './schema/index.js';
export * from './schema/zod.js';
export { AegisLogError, AegisLogValidationError, AegisLogHttpError, ErrorCode } from './protocol/errors.js';
export { canonicalize, canonicalBytes } from './protocol/jcs.js';
export { formatTime, parseTime } from './protocol/time.js';
export type * from './protocol/types.js';
export * from './trace/index.js';
