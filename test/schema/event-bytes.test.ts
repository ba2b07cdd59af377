// The 1 MiB limit on C(event) (LIMITS.eventBytes) holds for every event, whatever its keys are made of: the
// validator's loose first bound must never be below the canonical size, or an event over the limit passes.
import { describe, expect, it } from 'vitest';
import { AegisLog, memoryQueue } from '../../src/index.js';
import { canonicalBytes } from '../../src/protocol/index.js';
import { LIMITS, validateEvent } from '../../src/schema/index.js';
import { INGEST_KEY, TENANT, inProcessServer } from '../client/helpers.js';

const ENDPOINT = 'https://aegislog.test';
const base = () => ({ tenant_id: TENANT, event_type: 'probe', event_id: 'big-key', trace_id: 'big-key' });

/** record() refuses the payload at once (nothing queued), and the server answers the whole event 413, naming `event`. */
async function refusedByRecordAndServer(payload: Record<string, unknown>, event: Record<string, unknown>): Promise<void> {
  const log = new AegisLog({ endpoint: ENDPOINT, queue: memoryQueue(), flushInterval: 0, fetch: () => Promise.reject(new Error('no I/O')) });
  expect(() => log.record('probe', payload)).toThrow(expect.objectContaining({ code: 'ERR_TOO_LARGE' }));
  void log.close();
  const srv = await inProcessServer();
  const response = await srv.fetch(`${ENDPOINT}/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': INGEST_KEY },
    body: JSON.stringify(event),
  });
  expect(response.status).toBe(413);
  expect((await response.json()).error).toMatchObject({ code: 'ERR_TOO_LARGE', field: 'event' });
}

describe('an event whose payload key JSON escapes (control characters: six bytes each)', () => {
  // 180,000 U+0001 are 1,080,000 bytes as JSON, over 1 MiB.
  const event = () => ({ ...base(), ['\u0001'.repeat(180_000)]: 0 });

  it('is measured on its canonical bytes: over 1 MiB, refused', () => {
    expect(canonicalBytes(event()).length).toBeGreaterThan(LIMITS.eventBytes);
    expect(() => validateEvent(event())).toThrow(expect.objectContaining({ code: 'ERR_TOO_LARGE', field: 'event' }));
  });

  it('is refused by the server (413) as by record()', async () => {
    const { tenant_id: _t, event_type: _e, event_id: _i, trace_id: _r, ...payload } = event();
    await refusedByRecordAndServer(payload, event());
  });
});

describe('an event of many numbers of the longest form a double takes (25 characters)', () => {
  // -0.0000012345678901234567 is written as 25 characters, the longest Number::toString writes: 41,000 of them
  // are 1,066,000 bytes of JSON, over 1 MiB.
  const event = () => ({ ...base(), event_id: 'long-numbers', trace_id: 'long-numbers', n: new Array(41_000).fill(-0.0000012345678901234567) });

  it('is measured on its canonical bytes: over 1 MiB, refused', () => {
    expect(String(-0.0000012345678901234567)).toHaveLength(25);
    expect(canonicalBytes(event()).length).toBeGreaterThan(LIMITS.eventBytes);
    expect(() => validateEvent(event())).toThrow(expect.objectContaining({ code: 'ERR_TOO_LARGE', field: 'event' }));
  });

  it('is refused by the server (413) as by record()', async () => {
    await refusedByRecordAndServer({ n: event().n }, event());
  });
});
