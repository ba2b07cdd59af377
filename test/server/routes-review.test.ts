/** Refusals and answers of the protocol routes found wrong in a review, each kept here by its test. */
import { describe, expect, test } from 'vitest';
import { KEYS, clock, event, withServer } from './helpers.js';

const BOUNDARY = Date.UTC(2026, 10, 28, 0, 0, 0);
const DAY = 86_400_000;

describe('GET /checkpoints', () => {
  test('a from past the history, without to, is refused naming from, not the to it never gave', async () => {
    const c = clock(BOUNDARY + 3_600_000);
    await withServer({ now: c.now }, async (s) => {
      expect((await s.call('/ingest', { key: KEYS.ingest, json: event() })).status).toBe(200);
      c.advance(DAY);
      expect(await s.server.sealDue()).toHaveLength(1);
      expect(await (await s.call('/checkpoints?from=5', { key: null })).json()).toEqual({
        error: { code: 'bad_request', field: 'from', message: 'from 5 is past the 1 checkpoints of this log' },
      });
      // With a to, as before: a reversed range is the to's mistake.
      expect((await (await s.call('/checkpoints?from=1&to=0', { key: null })).json()).error.field).toBe('to');
    });
  });
});

describe('GET /evidence', () => {
  test('a request without a key, or with an ingest key, is refused for its key before its from_size is read', async () => {
    const c = clock(BOUNDARY + 3_600_000);
    await withServer({ now: c.now }, async (s) => {
      const receipt = (await (await s.call('/ingest', { key: KEYS.ingest, json: event() })).json()) as { event_id: string };
      // As its twins /head and /export answer: the key first (401, 403), then the query.
      for (const path of [`/evidence/${receipt.event_id}?from_size=-1`, `/head?period_start=yesterday`, '/export?period_start=yesterday']) {
        expect((await s.call(path, { key: null })).status, path).toBe(401);
        expect((await s.call(path, { key: KEYS.ingest })).status, path).toBe(403);
        expect((await s.call(path, { key: KEYS.read })).status, path).toBe(400);
      }
    });
  });
});
