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
    // The four ids and the array are five values: 98,995 items make exactly 99,000, the limit.
    const event = { ...base(), input_token_ids: ids(LIMITS.eventValues - 5), ...contexts() };
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
    const event = { ...base(), input_token_ids: ids(LIMITS.eventValues - 4), ...contexts() };
    expect(() => validateEvent(event)).toThrow(expect.objectContaining({ code: 'ERR_TOO_LARGE', field: 'event' }));
  });
});
