// PROTOCOL.md §1 refuses integers beyond ±(2^53−1) (docs/errors.md: ERR_JCS_INVALID). latency_ms and the payload
// say so; the integer fields of the contexts (input_tokens, output_tokens, and the unix seconds reviewed_at,
// started_at, ended_at) refused the same numbers as ERR_SCHEMA_INVALID "must be an integer" or "must be unix seconds
// (a non-negative integer)": false of 2^53, and not the code a caller switching on the §1 rule looks for.
import { describe, expect, it } from 'vitest';
import { AegisLog, memoryQueue } from '../../src/index.js';
import { validateEvent, validateRecorded } from '../../src/schema/index.js';
import { ingestServer } from './ingest-server.js';

const KEY = 'ak_ingest_context_integers_01';
const base = (id: string) => ({ tenant_id: 'acme', event_type: 'probe', event_id: id, trace_id: id });
const WHY = 'is an integer beyond ±(2^53−1), which JSON parsers round';

const cases: [string, Record<string, unknown>, string][] = [
  ['input_tokens 2^53', { performance_metrics: { input_tokens: 2 ** 53 } }, 'performance_metrics.input_tokens'],
  ['output_tokens 1e16', { performance_metrics: { output_tokens: 1e16 } }, 'performance_metrics.output_tokens'],
  ['reviewed_at 2^53', { human_intervention: { reviewed_at: 2 ** 53 } }, 'human_intervention.reviewed_at'],
  ['started_at 1e300', { session_context: { session_id: 's', started_at: 1e300 } }, 'session_context.started_at'],
  ['ended_at 2^60', { session_context: { session_id: 's', started_at: 1, ended_at: 2 ** 60 } }, 'session_context.ended_at'],
];

describe.each(cases)('%s', (_name, contexts, field) => {
  const refusal = expect.objectContaining({ code: 'ERR_JCS_INVALID', field, message: `${field} ${WHY}` });

  it('is refused as latency_ms is: ERR_JCS_INVALID, by validateEvent and validateRecorded', () => {
    expect(() => validateEvent(structuredClone({ ...base('v'), ...contexts }))).toThrow(refusal);
    expect(() => validateRecorded(structuredClone({ ...base('v'), ...contexts }))).toThrow(refusal);
    expect(() => validateEvent({ ...base('v'), performance_metrics: { latency_ms: 2 ** 53 } })).toThrow(
      expect.objectContaining({ code: 'ERR_JCS_INVALID', message: `performance_metrics.latency_ms ${WHY}` }),
    );
  });

  it('is refused by record(), nothing queued', async () => {
    const queue = memoryQueue();
    const log = new AegisLog({ endpoint: 'https://aegislog.test', queue, flushInterval: 0, fetch: () => Promise.reject(new Error('no I/O')) });
    expect(() => log.record('probe', {}, structuredClone(contexts))).toThrow(refusal);
    await log.durable();
    expect(await queue.count('q')).toBe(0);
    await log.close();
  });
});

describe('the server, over HTTP', () => {
  const post = ingestServer(KEY, 'context-integers');

  it('answers each 400 ERR_JCS_INVALID naming the field, and still refuses a fractional count as not an integer', async () => {
    for (const [name, contexts, field] of cases) {
      const response = await post('/ingest', { ...base(name.replace(/\W/g, '-')), ...contexts });
      expect(response.status, name).toBe(400);
      expect((await response.json()).error, name).toEqual({ code: 'ERR_JCS_INVALID', field, message: `${field} ${WHY}` });
    }
    expect(() => validateEvent({ ...base('f'), performance_metrics: { input_tokens: 1.5 } })).toThrow(
      expect.objectContaining({ code: 'ERR_SCHEMA_INVALID', message: 'performance_metrics.input_tokens must be an integer' }),
    );
    expect(() => validateEvent({ ...base('f'), human_intervention: { reviewed_at: -1 } })).toThrow(
      expect.objectContaining({ code: 'ERR_SCHEMA_INVALID', message: 'human_intervention.reviewed_at must be unix seconds (a non-negative integer)' }),
    );
  });
});
