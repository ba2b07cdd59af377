/** Tracing: record every call of a function or method (input, output, error, latency) through `record()`. */
export { aegislogTrace } from './trace.js';
export type { TraceLog, TraceCall, TraceCapture, TraceOptions, PerCall } from './trace.js';
export { trace } from './decorator.js';
export { DEFAULT_TRACE_LIMITS, REDACTED } from './describe.js';
export type { DescribeLimits, RedactRule } from './describe.js';
