// An IndexedDB queue whose writes keep failing over quota: after a second write in a row fails so,
// the queue carries on in memory and the records are delivered, rather than kept for a write that
// never comes (real Chromium with a tiny quota: e2e/client-faults.spec.ts).
import 'fake-indexeddb/auto';
import { afterEach, expect, it, vi } from 'vitest';
import { AegisLog, indexedDBQueue } from '../../src/index.js';
import { FAST_RETRY, INGEST_KEY, TENANT, inProcessServer } from './helpers.js';

const open: AegisLog[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((log) => log.close()));
});

it('writes over quota every time: the records go to memory, numbered, and are delivered', async () => {
  const srv = await inProcessServer();
  const fallbacks: unknown[] = [];
  const errors: string[] = [];
  const store = indexedDBQueue({ name: `aegislog-quota-${process.pid}`, onFallback: (e) => fallbacks.push(e) });
  const log = new AegisLog({
    endpoint: 'https://aegislog.test', tenantId: TENANT, apiKey: INGEST_KEY, queue: store, flushInterval: 0, batchSize: 1e9,
    retry: FAST_RETRY, fetch: srv.fetch, onError: (e) => errors.push(e.code),
  });
  open.push(log);
  expect(await store.count('q')).toBe(0); // opened
  const original = IDBDatabase.prototype.transaction;
  vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
    if (args[1] === 'readwrite') throw new DOMException('the disk is full', 'QuotaExceededError');
    return original.apply(this, args);
  });
  const ids = [log.record('a', {}), log.record('b', {})];
  // The client's write fails over quota; tried again as two halves (a store may refuse one value), the first
  // half fails over quota again: memory from then on, that half included.
  await log.durable();
  expect(fallbacks).toHaveLength(1);
  expect(store.shared).toBe(false);
  const result = await log.flush();
  expect(result).toMatchObject({ sent: 2, remaining: 0 });
  expect(result.error).toBeUndefined();
  expect(errors).toEqual([]);
  const stored = await srv.store.records(TENANT, 0, await srv.store.logSize(TENANT), 1000);
  expect(stored.map((r) => [r.event.event_id, r.event.client_seq])).toEqual([[ids[0], 1], [ids[1], 2]]);
});
