import { describe, expect, test } from 'vitest';
import { formatTime } from '../../src/protocol/index.js';
import type { CheckpointHistory, Receipt } from '../../src/protocol/index.js';
import { KEYS, event, withServer } from './helpers.js';

const BOUNDARY = Date.UTC(2026, 10, 28, 9, 0, 0);
const at = (ms: number) => formatTime(ms);

/**
 * A clock that reads fractions of a millisecond: a `now` option such as `performance.timeOrigin + performance.now()`,
 * or the guarded clock while it ignores a forward step (it then counts on from performance.now()).
 */
describe('sealing with a clock that reads fractions of a millisecond', () => {
  test('POST /admin/seal again in the same millisecond, after a receipt stamped at the first seal\'s end, seals no empty period', async () => {
    let t = BOUNDARY + 20_000.5;
    await withServer({ now: () => t, period: 60 }, async (s) => {
      const ingest = async () => (await (await s.call('/ingest', { key: KEYS.ingest, json: event() })).json()) as Receipt;
      const seal = () => s.call('/admin/seal', { key: KEYS.admin, method: 'POST' });
      const before = await ingest();
      expect(before.received_at).toBe(at(BOUNDARY + 20_000));
      const first = await seal();
      expect(first.status).toBe(200);
      expect(((await first.json()) as { sealed: { period_end: string }[] }).sealed.map((c) => c.period_end)).toEqual([at(BOUNDARY + 20_001)]);
      const after = await ingest(); // issued after that seal's close: stamped at its end
      expect(after.received_at).toBe(at(BOUNDARY + 20_001));
      // The clock has not moved: the open period starts after this instant, and there is nothing to seal yet.
      const second = await seal();
      expect(second.status).toBe(200);
      expect(((await second.json()) as { sealed: unknown[] }).sealed).toEqual([]);
      t = BOUNDARY + 60_000.25;
      await s.server.sealDue();
      const history = ((await (await s.call('/checkpoints')).json()) as CheckpointHistory).checkpoints;
      expect(history.map((c) => [c.period_start, c.period_end])).toEqual([
        [at(BOUNDARY), at(BOUNDARY + 20_001)],
        [at(BOUNDARY + 20_001), at(BOUNDARY + 60_000)],
      ]);
      expect((await s.store.headFor('acme', at(BOUNDARY + 20_001)))!.head).toMatchObject({ prev_tree_size: 1, tree_size: 2 });
    });
  });
});
