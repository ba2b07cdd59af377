// close() and the records whose write to the queue store failed: they wait in the client for the next
// write, and close() is the last chance of one. Found in review, 2026-12-06: close() did not wait for a
// write still under way, so a record whose write failed in it was left behind with nothing told; and
// records the store could not write at all were lost with the client, still counted as queued.
// Runs in Node and in the edge-runtime environment; the server is the reference server in-process.
import { afterEach, expect, it } from 'vitest';
import { AegisLog, memoryQueue, type AegisLogError, type QueueStore } from './exports.js';
import { FAST_RETRY, INGEST_KEY, TENANT, inProcessServer, storedIds, until, type InProcess } from './helpers.js';

const ENDPOINT = 'https://aegislog.test';
const open: AegisLog[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((log) => log.close()));
});

/** A memory queue whose appends fail while `failing()` says so (a disk full, a quota, a closed connection). */
function failingAppends(failing: (n: number) => boolean): QueueStore & { appends: () => number } {
  const inner = memoryQueue();
  let n = 0;
  return {
    ...inner, name: inner.name, shared: false,
    append: (plan) => (failing(n++) ? Promise.reject(new Error('disk full')) : inner.append(plan)),
    appends: () => n,
  };
}

function client(srv: InProcess, queue: QueueStore, errors: [AegisLogError, string[] | undefined][]): AegisLog {
  const log = new AegisLog({
    endpoint: ENDPOINT, tenantId: TENANT, apiKey: INGEST_KEY, flushInterval: 0, batchSize: 100, retry: FAST_RETRY,
    fetch: srv.fetch, queue, onError: (error, ids) => errors.push([error, ids]),
  });
  open.push(log);
  return log;
}

it('close() waits for a write under way and, when it failed, writes its records again and delivers them', async () => {
  const srv = await inProcessServer();
  const errors: [AegisLogError, string[] | undefined][] = [];
  const queue = failingAppends((n) => n === 0); // only the first write fails
  const log = client(srv, queue, errors);
  const id = log.record('last_words', {});
  const result = await log.close(); // same tick: the record's write is still to come
  expect(errors.map(([e]) => e.code)).toEqual(['ERR_QUEUE_STORE']);
  expect(result).toMatchObject({ sent: 1, remaining: 0 });
  expect(result.error).toBeUndefined();
  expect(await storedIds(srv.fetch, ENDPOINT)).toEqual([id]);
  expect(log.stats()).toMatchObject({ queued: 0, sent: 1, dropped: 0 });
});

it('close() tries once more to write what the store failed to write; what it still cannot write is reported as not kept', async () => {
  const srv = await inProcessServer();
  const errors: [AegisLogError, string[] | undefined][] = [];
  const queue = failingAppends(() => true);
  const log = client(srv, queue, errors);
  const ids = [log.record('unwritten', { i: 0 }), log.record('unwritten', { i: 1 })];
  await until(() => errors.length === 1, 5000, 'the failed write to be reported');
  expect(log.stats().queued, 'kept in the client, for the next write').toBe(2);
  const before = queue.appends();

  const result = await log.close();
  expect(queue.appends(), 'close() tried to write them again').toBeGreaterThan(before);
  // Told, with the ids and how many: counted as dropped, no longer as queued.
  const [lost, lostIds] = errors.at(-1)!;
  expect(lost).toMatchObject({ code: 'ERR_QUEUE_STORE', message: expect.stringMatching(/close\(\): queue store failed: disk full: 2 events dropped/) });
  expect(lostIds).toEqual(ids);
  expect(result.error).toBe(lost);
  expect(result).toMatchObject({ sent: 0, remaining: 0 });
  expect(log.stats()).toMatchObject({ queued: 0, dropped: 2 });
  expect(await storedIds(srv.fetch, ENDPOINT)).toEqual([]);
});
