// dist/browser/aegislog.js: the client for <script type="module">, every dependency bundled, no zod.
export { AegisLog, policyHash } from '../client/index.js';
export type { AegisLogOptions, ClientStats, FlushResult, RecordOptions, VerificationResult } from '../client/index.js';
export { memoryQueue, indexedDBQueue, kvQueue, deadLetters, requeueDeadLetters } from '../queue/index.js';
export type { QueueStore, QueueEntry } from '../queue/index.js';
export { AegisLogError, AegisLogValidationError, AegisLogHttpError, ErrorCode } from '../protocol/errors.js';
