export { AegisLog } from './client.js';
export type { AegisLogOptions, ClientStats, LockManagerLike, VerificationResult } from './options.js';
export type { FlushResult } from './delivery.js';
export type { RetryPolicy } from '../transport/http.js';
export type { RecordOptions } from './event.js';
export { policyHash } from './policy-hash.js';
