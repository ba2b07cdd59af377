import * as z from 'zod';
import { EVENT_ID, LIMITS, POLICY_HASH, SERVER_FIELDS, TENANT_ID } from './rules.js';
import { AegisLogValidationError } from '../protocol/errors.js';
import { LONE_SURROGATE, isWellFormed, validateEvent } from './validate.js';

/**
 * zod schemas of the event and its six compliance contexts (PROTOCOL.md §2),
 * for forms, API boundaries and types. They state the same rules as
 * `validateEvent` (a test holds them to it); the client's record() path uses
 * the validator, so importing these is what brings zod into a bundle.
 */
/** RFC 8785 cannot carry a lone surrogate: validateEvent refuses one in a context string or the event type. */
const text = z.string().max(LIMITS.contextStringChars).refine(isWellFormed, LONE_SURROGATE);
const texts = z.array(text).max(LIMITS.contextListItems);
const unixSeconds = z.number().int().nonnegative();

export const PolicyContextSchema = z.strictObject({
  policy_name: text.optional(),
  policy_version: text.optional(),
  policy_hash: z.string().regex(POLICY_HASH, 'must be sha256:<64 lower-case hex>').optional(),
});

export const DataProvenanceSchema = z.strictObject({
  reference_databases: texts.optional(),
  training_datasets: texts.optional(),
  data_version: text.optional(),
  lineage: text.optional(),
});

export const HumanInterventionSchema = z.strictObject({
  required: z.boolean().optional(),
  reason: text.optional(),
  reviewer: text.optional(),
  reviewed_at: unixSeconds.optional(),
});

export const ModelContextSchema = z.strictObject({
  model_id: text.min(1),
  model_version: text.min(1),
  model_type: text.optional(),
  deployment_id: text.optional(),
});

export const SessionContextSchema = z
  .strictObject({ session_id: text.min(1), started_at: unixSeconds, ended_at: unixSeconds.optional() })
  .refine((s) => s.ended_at === undefined || s.ended_at >= s.started_at, {
    message: 'must not be before started_at',
    path: ['ended_at'],
  });

export const PerformanceMetricsSchema = z.strictObject({
  // PROTOCOL.md §1: no integer beyond ±(2^53−1).
  latency_ms: z.number().nonnegative().refine((n) => !Number.isInteger(n) || Number.isSafeInteger(n), 'is an integer beyond ±(2^53−1), which JSON parsers round').optional(),
  confidence_score: z.number().min(0).max(1).optional(),
  input_tokens: z.number().int().nonnegative().optional(),
  output_tokens: z.number().int().nonnegative().optional(),
  anomaly_flags: texts.optional(),
});

export const ContextSchemas = {
  policy_context: PolicyContextSchema,
  data_provenance: DataProvenanceSchema,
  human_intervention: HumanInterventionSchema,
  model_context: ModelContextSchema,
  session_context: SessionContextSchema,
  performance_metrics: PerformanceMetricsSchema,
} as const;

/** A wire event: the reserved fields, plus any payload fields at the top level. */
export const EventSchema = z
  .looseObject({
    tenant_id: z.string().regex(TENANT_ID),
    event_type: z.string().min(1).refine((s) => [...s].length <= LIMITS.eventTypeChars, `at most ${LIMITS.eventTypeChars} characters`).refine(isWellFormed, LONE_SURROGATE),
    event_id: z.string().regex(EVENT_ID),
    trace_id: z.string().regex(EVENT_ID),
    recorded_at: z.iso.datetime({ precision: 3 }).optional(),
    client_id: z.string().regex(EVENT_ID).optional(),
    client_seq: z.number().int().min(1).optional(),
    ...Object.fromEntries(Object.entries(ContextSchemas).map(([k, s]) => [k, s.optional()])),
  })
  // The names the server puts on receipts: validateEvent refuses them as payload fields, so that no event reads as the server's word.
  .superRefine((event, ctx) => {
    for (const key of SERVER_FIELDS) {
      if (event[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is a reserved field name; rename this payload key' });
    }
    // The payload is any JSON, but not JSON the protocol refuses (a lone surrogate, an integer beyond ±(2^53−1)), nor
    // one too deep or too large: the validator's walk, in its words, once the fields above have passed.
    if (ctx.issues.length > 0) return;
    try {
      validateEvent(event);
    } catch (error) {
      if (!(error instanceof AegisLogValidationError)) throw error;
      ctx.addIssue({ code: 'custom', path: [], message: error.message });
    }
  });

export type PolicyContext = z.infer<typeof PolicyContextSchema>;
export type DataProvenance = z.infer<typeof DataProvenanceSchema>;
export type HumanIntervention = z.infer<typeof HumanInterventionSchema>;
export type ModelContext = z.infer<typeof ModelContextSchema>;
export type SessionContext = z.infer<typeof SessionContextSchema>;
export type PerformanceMetrics = z.infer<typeof PerformanceMetricsSchema>;

/** The contexts an event may carry, by their wire names. */
export interface EventContexts {
  policy_context?: PolicyContext;
  data_provenance?: DataProvenance;
  human_intervention?: HumanIntervention;
  model_context?: ModelContext;
  session_context?: SessionContext;
  performance_metrics?: PerformanceMetrics;
}

export type AegisEvent = z.infer<typeof EventSchema> & EventContexts;
