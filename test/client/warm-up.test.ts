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

it('runs the queueing part of record() too, on lists of its own: a pending record stays, a full queue drops nothing', async () => {
  const idle: (() => void)[] = [];
  vi.stubGlobal('requestIdleCallback', (run: () => void) => idle.push(run));
  vi.resetModules(); // a realm's first client again
  const { AegisLog, memoryQueue } = await import('../../src/index.js');
  const errors: unknown[] = [];
  const queue = memoryQueue();
  const log = new AegisLog({ endpoint: 'https://aegislog.test', tenantId: 'acme', queue, flushInterval: 0, maxQueueSize: 2, onError: (e: unknown) => void errors.push(e) });
  const first = log.record('a', { n: 1 });
  await log.durable();
  // Not written yet when the idle warm-up runs (same tick), and the queue is full with it.
  const second = log.record('b', { n: 2 });
  expect(log.stats()).toMatchObject({ queued: 2, dropped: 0 });
  idle[0]!();
  // The warm-up's 63 records are neither drops nor queued.
  expect(log.stats()).toMatchObject({ queued: 2, dropped: 0 });
  expect(errors).toEqual([]);
  await log.durable();
  const entries = await queue.list('q', 100);
  expect(entries.map((e) => e.event_id)).toEqual([first, second]);
  expect(entries.map((e) => JSON.parse(e.body).client_seq)).toEqual([1, 2]);
  // The queue is still full: the next real record is the one dropped, and told.
  log.record('c', {});
  expect(log.stats()).toMatchObject({ queued: 2, dropped: 1 });
  expect(errors).toHaveLength(1);
  await log.close();
});
