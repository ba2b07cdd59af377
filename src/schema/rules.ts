/** The field rules of PROTOCOL.md §2, as data, shared by the hand validator and the zod schemas. */

// "." and ".." are refused though the alphabet has them: as a URL path segment (/evidence/{id},
// /logs/{tenant_id}/…) each is a dot segment that every URL parser removes, so no route could name them.
export const TENANT_ID = /^(?!\.\.?$)[A-Za-z0-9._-]{1,128}$/;
export const EVENT_ID = /^(?!\.\.?$)[A-Za-z0-9._:-]{1,128}$/;
/** The two rules in words, for the errors that refuse an id (the client's, the server's, the relay's alike). */
export const TENANT_ID_RULE = '1–128 of [A-Za-z0-9._-], not "." or ".."';
export const EVENT_ID_RULE = '1–128 of [A-Za-z0-9._:-], not "." or ".."';
export const POLICY_HASH = /^sha256:[0-9a-f]{64}$/;

/** Names the event itself uses; a payload key may not take one. */
export const EVENT_FIELDS = [
  'tenant_id', 'event_type', 'event_id', 'trace_id', 'recorded_at',
  'policy_context', 'data_provenance', 'human_intervention', 'model_context', 'session_context', 'performance_metrics',
  // Set by the client's queue, so that an auditor can count what never arrived (PROTOCOL.md §2).
  'client_id', 'client_seq',
] as const;

/** Names the server puts on receipts; an event that carried them would read as if the server had said so. */
export const SERVER_FIELDS = ['received_at', 'digest_b64url', 'signature_b64url', 'key_id', 'signing_alg'] as const;

export const RESERVED_FIELDS: ReadonlySet<string> = new Set<string>([...EVENT_FIELDS, ...SERVER_FIELDS]);

export const CONTEXT_NAMES = [
  'policy_context', 'data_provenance', 'human_intervention', 'model_context', 'session_context', 'performance_metrics',
] as const;
export type ContextName = (typeof CONTEXT_NAMES)[number];

// Limits, stated once: the client refuses what the server would refuse. One constant each, which a
// bundler writes in where it is used (an object's properties it cannot), and LIMITS for the rest.
/** C(event) in UTF-8 bytes. */
export const EVENT_BYTES = 1024 * 1024;
/**
 * JSON values in an event's payload, outside its contexts and its own fields (objects, arrays, keys, strings, numbers,
 * literals): the reference server
 * refuses a body of more than 100,000 (its `jsonValues` limit, docs/server.md), so a bigger event could never
 * be delivered; the rest is room for the event's own fields, its contexts and a batch of one.
 */
export const EVENT_VALUES = 99_000;
/** Nesting of objects and arrays, the event itself being depth 1. */
export const MAX_DEPTH = 32;
export const EVENT_TYPE_CHARS = 128;
/** A context string field (names, versions, reasons, ids). */
export const CONTEXT_STRING_CHARS = 1024;
/** Items in a context string list (anomaly flags, datasets). */
export const CONTEXT_LIST_ITEMS = 256;

export const LIMITS = {
  eventBytes: EVENT_BYTES,
  eventValues: EVENT_VALUES,
  depth: MAX_DEPTH,
  eventTypeChars: EVENT_TYPE_CHARS,
  contextStringChars: CONTEXT_STRING_CHARS,
  contextListItems: CONTEXT_LIST_ITEMS,
} as const;

export type FieldRule = { required?: boolean } & (
  | { kind: 'string'; pattern?: RegExp; patternText?: string }
  | { kind: 'strings' }
  | { kind: 'boolean' }
  | { kind: 'unix' }
  | { kind: 'number'; min?: number; max?: number; integer?: boolean }
);

/** Each context's fields. Unknown fields are refused: a typo such as `model_verison` must not pass unseen. */
export const CONTEXT_RULES: Record<ContextName, Record<string, FieldRule>> = {
  policy_context: {
    policy_name: { kind: 'string' },
    policy_version: { kind: 'string' },
    policy_hash: { kind: 'string', pattern: POLICY_HASH, patternText: 'sha256:<64 lower-case hex>' },
  },
  data_provenance: {
    reference_databases: { kind: 'strings' },
    training_datasets: { kind: 'strings' },
    data_version: { kind: 'string' },
    lineage: { kind: 'string' },
  },
  human_intervention: {
    required: { kind: 'boolean' },
    reason: { kind: 'string' },
    reviewer: { kind: 'string' },
    reviewed_at: { kind: 'unix' },
  },
  model_context: {
    model_id: { kind: 'string', required: true },
    model_version: { kind: 'string', required: true },
    model_type: { kind: 'string' },
    deployment_id: { kind: 'string' },
  },
  session_context: {
    session_id: { kind: 'string', required: true },
    started_at: { kind: 'unix', required: true },
    ended_at: { kind: 'unix' },
  },
  performance_metrics: {
    latency_ms: { kind: 'number', min: 0 },
    confidence_score: { kind: 'number', min: 0, max: 1 },
    input_tokens: { kind: 'number', min: 0, integer: true },
    output_tokens: { kind: 'number', min: 0, integer: true },
    anomaly_flags: { kind: 'strings' },
  },
};

