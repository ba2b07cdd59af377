// The warm-up of record() (client.ts #warmUp): the first client of a realm runs record() once on a
// sample event at construction and 63 times more at the page's next idle moment, and none of those
// records is queued, numbered, counted or reported. Its own module instance (a realm's first client).
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllGlobals();
});

it('warms record() up at construction and at the next idle moment, queueing and numbering nothing', async () => {
  const idle: (() => void)[] = [];
  vi.stubGlobal('requestIdleCallback', (run: () => void) => idle.push(run));
  const { AegisLog, memoryQueue } = await import('../../src/index.js');
  const errors: unknown[] = [];
  const queue = memoryQueue();
  const options = { endpoint: 'https://aegislog.test', tenantId: 'acme', queue, flushInterval: 0, onError: (e: unknown) => void errors.push(e) };
  const log = new AegisLog(options);
  expect(idle).toHaveLength(1); // the rest of the warm-up waits for an idle moment
  idle[0]!();
  const id = log.record('real', { n: 1 });
  await log.durable();
  const entries = await queue.list('q', 100);
  expect(entries.map((e) => e.event_id)).toEqual([id]);
  expect(JSON.parse(entries[0]!.body)).toMatchObject({ event_type: 'real', client_seq: 1 });
  expect(log.stats()).toMatchObject({ queued: 1, dropped: 0 });
  expect(errors).toEqual([]);
  // Once per realm: a second client does not warm up again.
  const other = new AegisLog({ ...options, queue: memoryQueue() });
  expect(idle).toHaveLength(1);
  await Promise.all([log.close(), other.close()]);
});
