import { describe, expect, it } from 'vitest';
import { AegisLogValidationError } from '../../src/protocol/index.js';
import { LIMITS, RESERVED_FIELDS, checkPayloadKeys, validateEvent, validateRecorded } from '../../src/schema/index.js';
import { EventSchema } from '../../src/schema/zod.js';

const base = () => ({
  tenant_id: 'acme-bank',
  event_type: 'model_inference',
  event_id: '39b74cb2-db90-4e63-a60f-05be1996ed90',
  trace_id: 'trace:1',
});

const full = () => ({
  ...base(),
  recorded_at: '2026-11-28T09:16:52.123Z',
  client_id: '0b6c1b1e-2a44-4d6e-9f1e-3c1b7a2d9e10',
  client_seq: 42,
  prompt: 'héllo',
  policy_context: { policy_name: 'p', policy_version: '1', policy_hash: `sha256:${'ab'.repeat(32)}` },
  data_provenance: { reference_databases: ['kb'], training_datasets: [], data_version: 'v', lineage: 's3://x' },
  human_intervention: { required: true, reason: 'r', reviewer: 'officer_42', reviewed_at: 1795000000 },
  model_context: { model_id: 'm', model_version: '1.0', model_type: 'llm', deployment_id: 'prod' },
  session_context: { session_id: 's', started_at: 10, ended_at: 10 },
  performance_metrics: { latency_ms: 12.5, confidence_score: 1, input_tokens: 3, output_tokens: 0, anomaly_flags: ['x'] },
});

/** Each bad event, and the field the refusal must name. */
const bad: [string, Record<string, unknown>, string][] = [
  ['tenant_id outside its alphabet', { ...base(), tenant_id: 'acme bank' }, 'tenant_id'],
  ['tenant_id too long', { ...base(), tenant_id: 'a'.repeat(129) }, 'tenant_id'],
  ['an empty event_type', { ...base(), event_type: '' }, 'event_type'],
  ['event_type over 128 characters', { ...base(), event_type: '😀'.repeat(129) }, 'event_type'],
  ['event_id outside its alphabet', { ...base(), event_id: 'id/../1' }, 'event_id'],
  // Dot segments: no URL path can name them (/evidence/.. is /), so no route could serve such an event or tenant.
  ['event_id ".."', { ...base(), event_id: '..' }, 'event_id'],
  ['event_id "."', { ...base(), event_id: '.' }, 'event_id'],
  ['tenant_id ".."', { ...base(), tenant_id: '..' }, 'tenant_id'],
  ['tenant_id "."', { ...base(), tenant_id: '.' }, 'tenant_id'],
  ['trace_id ".."', { ...base(), trace_id: '..' }, 'trace_id'],
  ['a missing trace_id', { ...base(), trace_id: undefined }, 'trace_id'],
  ['recorded_at without milliseconds', { ...base(), recorded_at: '2026-11-28T09:16:52Z' }, 'recorded_at'],
  ['model_context without model_version', { ...base(), model_context: { model_id: 'm' } }, 'model_context.model_version'],
  ['an unknown context field', { ...base(), model_context: { model_id: 'm', model_version: '1', model_verison: '2' } }, 'model_context.model_verison'],
  ['confidence_score above 1', { ...base(), performance_metrics: { confidence_score: 1.01 } }, 'performance_metrics.confidence_score'],
  ['confidence_score below 0', { ...base(), performance_metrics: { confidence_score: -0.1 } }, 'performance_metrics.confidence_score'],
  ['fractional tokens', { ...base(), performance_metrics: { input_tokens: 1.5 } }, 'performance_metrics.input_tokens'],
  ['a bad policy_hash', { ...base(), policy_context: { policy_hash: 'sha256:ABC' } }, 'policy_context.policy_hash'],
  ['ended_at before started_at', { ...base(), session_context: { session_id: 's', started_at: 10, ended_at: 9 } }, 'session_context.ended_at'],
  ['a session without started_at', { ...base(), session_context: { session_id: 's' } }, 'session_context.started_at'],
  ['reviewed_at in milliseconds as a float', { ...base(), human_intervention: { reviewed_at: 1.5 } }, 'human_intervention.reviewed_at'],
  ['a null context field', { ...base(), human_intervention: { required: null } }, 'human_intervention.required'],
  ['a context that is not an object', { ...base(), data_provenance: ['kb'] }, 'data_provenance'],
  ['a server-assigned name in the payload', { ...base(), received_at: '2026-11-28T09:16:52.123Z' }, 'received_at'],
  ['NaN in the payload', { ...base(), score: NaN }, 'score'],
  ['an unsafe integer deep in the payload', { ...base(), a: { b: [1, 2 ** 60] } }, 'a.b[1]'],
  ['BigInt in the payload', { ...base(), n: 1n }, 'n'],
  ['client_id outside its alphabet', { ...base(), client_id: 'tab one' }, 'client_id'],
  ['client_id that is a number', { ...base(), client_id: 7 }, 'client_id'],
  ['client_seq 0 (numbers start at 1)', { ...base(), client_id: 'c', client_seq: 0 }, 'client_seq'],
  ['a fractional client_seq', { ...base(), client_id: 'c', client_seq: 1.5 }, 'client_seq'],
  ['client_seq as a string', { ...base(), client_id: 'c', client_seq: '3' }, 'client_seq'],
];

describe('validateEvent', () => {
  it('accepts a complete event and a minimal one', () => {
    expect(validateEvent(full())).toBeTruthy();
    expect(validateEvent(base())).toBeTruthy();
  });

  it('accepts ids made of dots that are no dot segment', () => {
    for (const id of ['...', '.a', 'a.', '..a', 'a..b']) {
      expect(validateEvent({ ...base(), tenant_id: id, event_id: id, trace_id: id })).toBeTruthy();
      expect(EventSchema.safeParse({ ...base(), tenant_id: id, event_id: id, trace_id: id }).success).toBe(true);
    }
  });

  it.each(bad)('refuses %s, naming the field', (_why, event, field) => {
    let error: unknown;
    try {
      validateEvent(event);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AegisLogValidationError);
    expect((error as AegisLogValidationError).field).toBe(field);
    expect((error as AegisLogValidationError).message).toContain(field);
  });

  it('refuses a payload of more JSON values than a server takes in a body (keys count), on the record path too', () => {
    // 128k token ids of a long prompt: under 1 MiB as JSON, over the reference server's 100,000 values a body.
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i % 50_000);
    for (const check of [(e: Record<string, unknown>) => validateEvent(e), (e: Record<string, unknown>) => validateRecorded(e)]) {
      // The event's own fields do not count (record() adds some after its check); the payload's key and array do: 98,998 items make 99,000.
      expect(() => check({ ...base(), input_token_ids: ids(LIMITS.eventValues - 2) })).not.toThrow();
      expect(() => check({ ...base(), input_token_ids: ids(LIMITS.eventValues - 1) })).toThrow(
        expect.objectContaining({ code: 'ERR_TOO_LARGE', field: 'event', message: expect.stringMatching(/^event holds more than 99000 JSON values in its payload/) }),
      );
      // Keys are values too.
      const wide = Object.fromEntries(Array.from({ length: LIMITS.eventValues / 2 }, (_, i) => [`k${i}`, 0]));
      expect(() => check({ ...base(), wide })).toThrow(expect.objectContaining({ code: 'ERR_TOO_LARGE' }));
    }
  });

  it('refuses nesting deeper than the stated limit', () => {
    let deep: unknown = 1;
    for (let i = 0; i < LIMITS.depth; i++) deep = { d: deep };
    expect(() => validateEvent({ ...base(), deep })).toThrow(/nests deeper/);
    let ok: unknown = 1;
    for (let i = 0; i < LIMITS.depth - 2; i++) ok = [ok];
    expect(() => validateEvent({ ...base(), ok })).not.toThrow();
  });

  it('measures the 1 MiB limit exactly, on the canonical bytes', () => {
    const overhead = new TextEncoder().encode(JSON.stringify({ ...base(), blob: '' })).length;
    const fits = { ...base(), blob: 'x'.repeat(LIMITS.eventBytes - overhead) };
    expect(() => validateEvent(fits)).not.toThrow();
    expect(() => validateEvent({ ...fits, blob: `${fits.blob}x` })).toThrow(/larger than/);
    // Three UTF-8 bytes each: passes the loose bound, must fail the exact one.
    expect(() => validateEvent({ ...base(), blob: '€'.repeat(LIMITS.eventBytes / 3) })).toThrow(AegisLogValidationError);
  });

  it('drops null context fields only when asked (the Python-compatible route)', () => {
    const event = { ...base(), session_context: { session_id: 's', started_at: 1, ended_at: null } };
    expect(() => validateEvent(structuredClone(event))).toThrow(/session_context.ended_at/);
    const fixed = validateEvent(event, { dropNullContextFields: true });
    expect(fixed.session_context).toEqual({ session_id: 's', started_at: 1 });
  });

  it('checkPayloadKeys refuses every reserved name', () => {
    for (const key of ['tenant_id', 'model_context', 'received_at', 'signature_b64url', 'client_id', 'client_seq']) {
      expect(() => checkPayloadKeys({ [key]: 1 })).toThrow(AegisLogValidationError);
    }
    expect(() => checkPayloadKeys({ model_id: 'gpt-4', latency_ms: 3 })).not.toThrow();
  });
});

describe('validateRecorded (the record() path) agrees with validateEvent on every event record() can build', () => {
  // record() builds no client_id, client_seq nor server field (checkPayloadKeys refuses them as payload
  // keys, and they are not record options), may leave the ids to follow, and measures the size itself.
  const reachable = (event: Record<string, unknown>) => Object.keys(event).every((k) => !['client_id', 'client_seq', 'received_at', 'digest_b64url', 'signature_b64url', 'key_id', 'signing_alg'].includes(k));
  const outcome = (check: () => unknown) => {
    try {
      check();
      return 'accepted';
    } catch (error) {
      const e = error as AegisLogValidationError;
      return `${e.code} ${e.field} ${e.message}`;
    }
  };
  const cases: [string, Record<string, unknown>][] = [
    ['a complete event', (({ client_id: _i, client_seq: _s, ...rest }) => rest)(full())],
    ['a minimal event', base()],
    ['ids left to follow', { tenant_id: 't', event_type: 'e', prompt: 'p' }],
    ...bad.filter(([, event]) => reachable(event)).map(([why, event]) => [why, event] as [string, Record<string, unknown>]),
  ];

  it.each(cases)('%s', (_why, event) => {
    const expected = outcome(() => validateEvent(structuredClone(event), { idsFollow: true, sizeFollows: true }));
    expect(outcome(() => validateRecorded(structuredClone(event)))).toBe(expected);
  });

  it('covers refusals from every part of the event, and the names it leaves out are the reserved ones', () => {
    const refused = cases.filter(([, event]) => outcome(() => validateRecorded(structuredClone(event))) !== 'accepted');
    expect(refused.length).toBeGreaterThanOrEqual(20);
    for (const left of ['client_id', 'client_seq', 'received_at']) expect(RESERVED_FIELDS.has(left)).toBe(true);
  });
});

describe('the exported zod schemas agree with validateEvent', () => {
  const schemaOnly = new Set(['NaN in the payload', 'an unsafe integer deep in the payload', 'BigInt in the payload',
    'a server-assigned name in the payload']);
  it('on valid events', () => {
    expect(EventSchema.safeParse(full()).success).toBe(true);
    expect(EventSchema.safeParse(base()).success).toBe(true);
  });
  it.each(bad.filter(([why]) => !schemaOnly.has(why)))('on %s', (_why, event, field) => {
    const result = EventSchema.safeParse(event);
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    // The field itself, or the context holding it (zod names an unknown key's object); an issue at the root ('') names nothing.
    expect(paths.some((p) => p === field || field.startsWith(`${p}.`)), JSON.stringify(paths)).toBe(true);
  });
});
