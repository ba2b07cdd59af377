// Entry "aegislog": the client, its queues, the event validator and zod schemas, errors and wire types.
// Named exports only (docs/contributing.md): this list is the public API, reviewed in api/aegislog.api.md.
// The protocol's JCS and time helpers are in "aegislog/verify": exported here, they tied the verifier's
// modules to the client's, and a splitting bundler loaded them with record() (issue 15).
export { AegisLog, policyHash } from './client/index.js';
export type { AegisLogOptions, ClientStats, FlushResult, LockManagerLike, RecordOptions, RetryPolicy, VerificationResult } from './client/index.js';
export { deadLetters, indexedDBQueue, kvQueue, memoryQueue, requeueDeadLetters } from './queue/index.js';
export type { DeadLetterError, IndexedDBQueueOptions, KVNamespaceLike, KVQueueOptions, QueueEntry, QueueStore, RedisLike } from './queue/index.js';
export type { DroppedRange, QueueState } from './queue/types.js'; // what QueueStore.append plans over: a custom store implements it
export type { FetchLike } from './transport/http.js';
export type { BeaconLike, FetchLaterLike } from './transport/exit.js';
export { validateEvent } from './schema/validate.js';
export type { ValidateOptions } from './schema/validate.js';
export { CONTEXT_NAMES } from './schema/rules.js';
export type { ContextName } from './schema/rules.js';
export {
  ContextSchemas, DataProvenanceSchema, EventSchema, HumanInterventionSchema, ModelContextSchema, PerformanceMetricsSchema,
  PolicyContextSchema, SessionContextSchema,
} from './schema/zod.js';
export type {
  AegisEvent, DataProvenance, EventContexts, HumanIntervention, ModelContext, PerformanceMetrics, PolicyContext, SessionContext,
} from './schema/zod.js';
export { AegisLogError, AegisLogHttpError, AegisLogValidationError, ErrorCode } from './protocol/errors.js';
export type { WireErrorCode } from './protocol/errors.js';
export { SIGNING_ALG } from './protocol/types.js';
export type { Receipt, ReceiptStatement, SigningAlg, WireEvent } from './protocol/types.js';
// What `log.verify()` answers carries: the compliance block and, with `publicKeys`, the local report.
export type { Check, CheckName, CheckNameV1, CheckNameV2, CheckStatus, ComplianceBlock, Cosigner, EvidenceReport, PublicKeyInput } from './verify/index.js';
export { DEFAULT_TRACE_LIMITS, REDACTED, aegislogTrace, trace } from './trace/index.js';
export type { DescribeLimits, PerCall, RedactRule, TraceCall, TraceCapture, TraceLog, TraceOptions } from './trace/index.js';
