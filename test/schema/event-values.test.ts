// The 99,000 JSON values an event may hold outside its contexts (LIMITS.eventValues): what record() accepts,
// the server (and the relay, the same validator) must accept too, or the event is queued, sent, refused and lost.
import { describe, expect, it } from 'vitest';
import { AegisLog, memoryQueue } from '../../src/index.js';
import { LIMITS, validateEvent, validateRecorded } from '../../src/schema/index.js';
import { INGEST_KEY, TENANT, inProcessServer, storedIds } from '../client/helpers.js';

const ENDPOINT = 'https://aegislog.test';
const ids = (n: number) => Array.from({ length: n }, (_, i) => i % 50_000);
const base = () => ({ tenant_id: TENANT, event_type: 'model_inference', event_id: 'ev-1', trace_id: 'ev-1' });
const contexts = () => ({
  model_context: { model_id: 'm', model_version: '1' },
  session_context: { session_id: 's', started_at: 1 },
  performance_metrics: { latency_ms: 3, anomaly_flags: ['slow', 'drift'] },
});

describe('the JSON values of an event outside its contexts', () => {
  it('leave the contexts out on the server as on the record path', async () => {
    // The key, the array and its 98,998 items make exactly 99,000, the limit.
    const event = { ...base(), input_token_ids: ids(LIMITS.eventValues - 2), ...contexts() };
    expect(() => validateRecorded(structuredClone(event))).not.toThrow();
    expect(() => validateEvent(structuredClone(event))).not.toThrow();
    const srv = await inProcessServer();
    const response = await srv.fetch(`${ENDPOINT}/ingest/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': INGEST_KEY },
      body: JSON.stringify({ events: [event] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ receipts: [{ event_id: 'ev-1' }], errors: [] });
  });

  it('still count the payload beyond the limit, contexts or not', () => {
    const event = { ...base(), input_token_ids: ids(LIMITS.eventValues - 1), ...contexts() };
    expect(() => validateEvent(event)).toThrow(expect.objectContaining({ code: 'ERR_TOO_LARGE', field: 'event' }));
  });
});

describe('an event at the limit of values, on the record path', () => {
  it('is refused by record() at once or stored by the server: never queued and then refused', async () => {
    // record() checks the event before it adds event_id, trace_id, recorded_at, client_id and client_seq.
    const payloads = [];
    for (let items = LIMITS.eventValues - 10; items <= LIMITS.eventValues; items++) payloads.push({ input_token_ids: ids(items) });
    await refusedOrStored(payloads);
  });
});

describe('the keys of a payload', () => {
  it('count at its top level as they do below it: a wide payload is refused by record(), not queued and refused by the server', async () => {
    // Each field is a key and a value: two JSON values of the body, which holds at most 100,000.
    await refusedOrStored([49_000, LIMITS.eventValues / 2, 50_000].map((fields) => Object.fromEntries(Array.from({ length: fields }, (_, i) => [`k${i}`, 0]))));
  });

  it('count the same in validateEvent and validateRecorded', () => {
    const wide = Object.fromEntries(Array.from({ length: LIMITS.eventValues / 2 + 1 }, (_, i) => [`k${i}`, 0]));
    for (const check of [validateEvent, validateRecorded]) {
      expect(() => check({ ...base(), ...wide })).toThrow(expect.objectContaining({ code: 'ERR_TOO_LARGE', field: 'event' }));
    }
  });
});

/**
 * Records each payload through a client of the reference server: each is refused by record() at once
 * (ERR_TOO_LARGE naming the event) or, once flushed, stored by the server; none is queued and then refused.
 */
async function refusedOrStored(payloads: Record<string, unknown>[]): Promise<void> {
  const srv = await inProcessServer();
  const log = new AegisLog({ endpoint: ENDPOINT, tenantId: TENANT, apiKey: INGEST_KEY, queue: memoryQueue(), flushInterval: 0, fetch: srv.fetch, onError: () => {} });
  const accepted: string[] = [];
  for (const payload of payloads) {
    try {
      accepted.push(log.record('probe', payload));
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_TOO_LARGE', field: 'event' });
    }
  }
  expect(accepted.length).toBeGreaterThan(0);
  expect(await log.flush()).toMatchObject({ sent: accepted.length, deadLettered: 0 });
  expect((await storedIds(srv.fetch, ENDPOINT)).sort()).toEqual(accepted.sort());
  await log.close();
}
