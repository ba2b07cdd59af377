// docs/errors.md: ERR_TIME_INVALID is "a time that is not RFC 3339 UTC with milliseconds", thrown and sent on the
// wire (400), the remedy `formatTime(Date.now())`; errors.ts counts it among the validator's codes that the server
// sends for bad input. The one time an event carries is recorded_at, and its refusal came as ERR_SCHEMA_INVALID:
// a caller that switches on the documented code (record(), or a client reading the server's answer) missed it.
import { describe, expect, it } from 'vitest';
import { AegisLog, memoryQueue } from '../../src/index.js';
import { formatTime, parseTime } from '../../src/protocol/index.js';
import { validateEvent } from '../../src/schema/index.js';
import { ingestServer } from './ingest-server.js';

const KEY = 'ak_ingest_recorded_at_0001';
const BAD = ['2026-11-28T09:16:52Z', '2026-11-28T09:16:52.123456Z', '2026-11-28T09:16:52.123+01:00', '2026-02-30T00:00:00.000Z'];
const event = (recorded_at: unknown, id = 'e-1') => ({ tenant_id: 'acme', event_type: 'probe', event_id: id, trace_id: id, recorded_at });
const refusal = expect.objectContaining({ code: 'ERR_TIME_INVALID', field: 'recorded_at', message: expect.stringContaining('recorded_at') });

describe.each(BAD)('recorded_at %s', (text) => {
  it('is ERR_TIME_INVALID in validateEvent, as parseTime refuses it', () => {
    expect(() => parseTime(text, 'recorded_at')).toThrow(expect.objectContaining({ code: 'ERR_TIME_INVALID', field: 'recorded_at' }));
    expect(() => validateEvent(event(text))).toThrow(refusal);
  });

  it('is ERR_TIME_INVALID in record(), and nothing is queued', async () => {
    const queue = memoryQueue();
    const log = new AegisLog({ endpoint: 'https://aegislog.test', queue, flushInterval: 0, fetch: () => Promise.reject(new Error('no I/O')) });
    expect(() => log.record('probe', {}, { recorded_at: text })).toThrow(refusal);
    await log.durable();
    expect(await queue.count('q')).toBe(0);
    await log.close();
  });
});

describe('the server, over HTTP', () => {
  const post = ingestServer(KEY, 'recorded-at');

  it('answers a bad recorded_at 400 ERR_TIME_INVALID, alone and in a batch, and still takes a good one', async () => {
    const single = await post('/ingest', event(BAD[0], 's-1'));
    expect(single.status).toBe(400);
    expect((await single.json()).error).toMatchObject({ code: 'ERR_TIME_INVALID', field: 'recorded_at' });
    const batch = await post('/ingest/batch', { events: [event(BAD[1], 's-2'), event(formatTime(Date.UTC(2026, 10, 28)), 's-3')] });
    expect(batch.status).toBe(200);
    const answer = await batch.json();
    expect(answer.errors).toMatchObject([{ index: 0, event_id: 's-2', code: 'ERR_TIME_INVALID', field: 'recorded_at' }]);
    expect(answer.receipts).toMatchObject([{ event_id: 's-3' }]);
  });
});
