// PROTOCOL.md §1: integers beyond ±(2^53−1) are refused before anything is queued, sent or stored. A
// context's number field without a bound of its own (performance_metrics.latency_ms) is such a place too.
import { describe, expect, it } from 'vitest';
import { AegisLog, memoryQueue } from '../../src/index.js';
import { validateEvent, validateRecorded } from '../../src/schema/index.js';
import { INGEST_KEY, TENANT, inProcessServer } from '../client/helpers.js';

const ENDPOINT = 'https://aegislog.test';
const base = () => ({ tenant_id: TENANT, event_type: 'probe', event_id: 'big-latency', trace_id: 'big-latency' });

describe.each([2 ** 53, 1e16, 1.5e300])('performance_metrics.latency_ms = %d', (latency) => {
  const refusal = expect.objectContaining({ code: 'ERR_JCS_INVALID', field: 'performance_metrics.latency_ms' });

  it('is refused by record(), and nothing is queued', async () => {
    const queue = memoryQueue();
    const log = new AegisLog({ endpoint: ENDPOINT, queue, flushInterval: 0, fetch: () => Promise.reject(new Error('no I/O')) });
    expect(() => log.record('probe', {}, { performance_metrics: { latency_ms: latency } })).toThrow(refusal);
    await log.durable();
    expect(await queue.count('q')).toBe(0);
    await log.close();
  });

  it('is refused alike by validateRecorded, validateEvent and the server', async () => {
    const event = { ...base(), performance_metrics: { latency_ms: latency } };
    let recorded: unknown;
    try {
      validateRecorded(structuredClone(event));
    } catch (error) {
      recorded = error;
    }
    expect(recorded).toEqual(refusal);
    expect(() => validateEvent(structuredClone(event))).toThrow(refusal);
    const srv = await inProcessServer();
    const response = await srv.fetch(`${ENDPOINT}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': INGEST_KEY },
      body: JSON.stringify(event),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toEqual({ code: 'ERR_JCS_INVALID', field: 'performance_metrics.latency_ms', message: (recorded as Error).message });
  });
});
