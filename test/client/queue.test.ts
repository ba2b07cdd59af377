// Queue stores: one conformance suite over memory, IndexedDB (fake-indexeddb, an in-memory
// implementation of the IndexedDB spec; real Chromium comes in the e2e suite), and the KV shapes
// (Map-backed fakes standing for Cloudflare KV, Durable Object storage and Upstash/Vercel KV;
// real workerd comes in the edge suite).
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AegisLog, deadLetters, indexedDBQueue, kvQueue, memoryQueue, type QueueEntry, type QueueStore } from '../../src/index.js';
import { fakeDurableObjectStorage, fakeKV, fakeRedis } from './fakes.js';
import { FAST_RETRY, INGEST_KEY, TENANT, inProcessServer, storedIds, until } from './helpers.js';

let dbCount = 0;
const freshName = () => `aegislog-test-${process.pid}-${++dbCount}`;
const entry = (n: number, prefix = 'q'): QueueEntry => ({ key: `${prefix}${String(n).padStart(6, '0')}:id-${n}`, event_id: `id-${n}`, body: `{"n":${n}}` });

const stores: [string, () => QueueStore][] = [
  ['memory', () => memoryQueue()],
  ['IndexedDB', () => indexedDBQueue({ name: freshName() })],
  ['KV (Cloudflare KV shape)', () => kvQueue(fakeKV())],
  ['KV (Durable Object storage shape)', () => kvQueue(fakeDurableObjectStorage())],
  ['KV (Redis-like shape)', () => kvQueue(fakeRedis())],
];

describe.each(stores)('%s queue store', (_, make) => {
  it('lists by prefix in key order with a limit, counts, deletes', async () => {
    const store = make();
    await store.put([entry(3), entry(1), entry(2), entry(9, 'd')]);
    await store.put([entry(5)]);
    expect((await store.list('q', 10)).map((e) => e.event_id)).toEqual(['id-1', 'id-2', 'id-3', 'id-5']);
    expect((await store.list('q', 2)).map((e) => e.event_id)).toEqual(['id-1', 'id-2']);
    expect(await store.list('d', 10)).toEqual([entry(9, 'd')]);
    expect(await store.count('q')).toBe(4);
    await store.delete([entry(1).key, entry(3).key, 'q-not-there']);
    expect((await store.list('q', 10)).map((e) => e.event_id)).toEqual(['id-2', 'id-5']);
    expect(await store.count('q')).toBe(2);
    expect(await store.count('d')).toBe(1);
  });

  it('keeps bodies byte for byte, and dead-letter errors', async () => {
    const store = make();
    const body = JSON.stringify({ text: 'héllo 😀 "quoted" \\ \u2028', n: 1.5e-7 });
    const dead: QueueEntry = { ...entry(1, 'd'), body, error: { code: 'conflict', message: 'same id, other content', status: 409, field: 'event_id' } };
    await store.put([dead]);
    expect(await store.list('d', 1)).toEqual([dead]);
  });

  it('append: plans against the state kept with the events (client_id, next_seq, untold drops) and the queue size', async () => {
    const store = make();
    await store.put([entry(1), entry(2, 'd')]);
    const seen: unknown[] = [];
    const first = await store.append((state) => {
      seen.push({ ...state });
      state.client_id = 'client-1';
      state.next_seq = 3;
      return [entry(10), entry(11)];
    });
    expect(seen).toEqual([{ client_id: '', next_seq: 1, size: 1 }]); // a dead letter is not queued
    expect(first).toMatchObject({ client_id: 'client-1', next_seq: 3, size: 3 });
    await store.append((state) => {
      expect(state).toMatchObject({ client_id: 'client-1', next_seq: 3, size: 3 });
      state.dropped = { count: 1, first_seq: 3, last_seq: 3 };
      state.next_seq = 4;
      return [];
    });
    await store.delete([entry(10).key, entry(2, 'd').key]);
    await store.put([entry(12)]);
    const third = await store.append((state) => {
      expect(state).toEqual({ client_id: 'client-1', next_seq: 4, size: 3, dropped: { count: 1, first_seq: 3, last_seq: 3 } });
      delete state.dropped;
      return [];
    });
    expect(third.dropped).toBeUndefined();
    expect((await store.list('q', 10)).map((e) => e.event_id)).toEqual(['id-1', 'id-11', 'id-12']);
  });

  it('append: a plan that throws writes nothing and changes nothing', async () => {
    const store = make();
    await store.append((state) => ((state.client_id = 'kept'), (state.next_seq = 2), []));
    await expect(store.append((state) => {
      state.next_seq = 99;
      throw new Error('plan failed');
    })).rejects.toThrow('plan failed');
    const after = await store.append((state) => [entry(1)]);
    expect(after).toMatchObject({ client_id: 'kept', next_seq: 2, size: 1 });
    expect(await store.count('q')).toBe(1);
  });

  it('put: an entry takes the place of one under the same key, and `replacing` goes in the same write', async () => {
    const store = make();
    await store.put([entry(1), entry(2)]);
    await store.put([entry(1)]);
    expect((await store.list('q', 10)).map((e) => e.event_id)).toEqual(['id-1', 'id-2']);
    const dead = { ...entry(2, 'd'), error: { code: 'ERR_HTTP', message: 'refused' } };
    await store.put([dead], [entry(2).key, 'q-not-there']);
    expect(await store.list('d', 10)).toEqual([dead]);
    expect((await store.list('q', 10)).map((e) => e.event_id)).toEqual(['id-1']);
    expect(await store.append(() => [])).toMatchObject({ size: 1 });
  });

  it('lists in key order when one event_id is a prefix of another within one millisecond (written apart: tabs)', async () => {
    // Keys as the client makes them (PROTOCOL.md's ids may be a caller's own: `order-1`, `order-1-b`): same
    // millisecond and per-tab sequence, so the ids alone order them.
    const at = (id: string): QueueEntry => ({ key: `q00000000k0000:${id}`, event_id: id, body: '{}' });
    const store = make();
    await store.put([at('order-1-b')]);
    await store.put([at('order-1')]);
    await store.put([at('order-1-a')]);
    expect((await store.list('q', 1)).map((e) => e.event_id)).toEqual(['order-1']);
    expect((await store.list('q', 2)).map((e) => e.event_id)).toEqual(['order-1', 'order-1-a']);
    expect((await store.list('q', 9)).map((e) => e.event_id)).toEqual(['order-1', 'order-1-a', 'order-1-b']);
  });

  it('has each event once after a crash between writing its dead letter and deleting its queue entry', async () => {
    const srv = await inProcessServer();
    const store = make();
    // The page dies after the dead letter's write: the delete of its queue entry never happens.
    const crashing: QueueStore = { ...store, delete: () => Promise.reject(new Error('the page was closed')) };
    const options = { endpoint: 'https://aegislog.test', tenantId: TENANT, apiKey: 'not-a-key', fetch: srv.fetch, retry: FAST_RETRY, flushInterval: 0, onError: () => {} };
    const crashed = new AegisLog({ ...options, queue: crashing });
    const id = crashed.record('refused', {}); // 401: a dead letter
    await crashed.flush();
    const afterCrash = { dead: (await deadLetters(store)).map((e) => e.event_id), queued: await store.count('q') };
    // The next page, with the same wrong key, flushes what it finds.
    await new AegisLog({ ...options, queue: store }).flush();
    const afterNextFlush = { dead: (await deadLetters(store)).map((e) => e.event_id), queued: await store.count('q') };
    expect({ afterCrash, afterNextFlush }).toEqual({ afterCrash: { dead: [id], queued: 0 }, afterNextFlush: { dead: [id], queued: 0 } });
  });

  it('handles more than one page of keys', async () => {
    const store = make();
    await store.put(Array.from({ length: 1203 }, (_, i) => entry(i)));
    expect(await store.count('q')).toBe(1203);
    const listed = await store.list('q', 1100);
    expect(listed).toHaveLength(1100);
    expect(listed.at(-1)!.event_id).toBe('id-1099');
  });
});

describe('KV queue store', () => {
  it('tolerates a stale list: a listed key whose value is gone is skipped', async () => {
    const kv = fakeKV();
    const list = kv.list.bind(kv);
    // Workers KV is eventually consistent: a deleted key may still be listed for a while.
    kv.list = async (options) => {
      const page = (await list(options)) as { keys: { name: string }[] };
      return { ...page, keys: [...page.keys, { name: `${options.prefix}zz-deleted` }] };
    };
    const store = kvQueue(kv);
    await store.put([entry(1)]);
    expect((await store.list('q', 10)).map((e) => e.event_id)).toEqual(['id-1']);
  });

  it('keeps several queues apart by prefix in one namespace', async () => {
    const kv = fakeKV();
    const a = kvQueue(kv, { prefix: 'app-a:' });
    const b = kvQueue(kv, { prefix: 'app-b:' });
    await a.put([entry(1)]);
    await b.put([entry(2)]);
    expect((await a.list('q', 10)).map((e) => e.event_id)).toEqual(['id-1']);
    expect(await b.count('q')).toBe(1);
    expect(a.name).not.toBe(b.name);
  });
});

describe('where the numbering lives', () => {
  const plan = (state: { client_id: string; next_seq: number }) => ((state.client_id ||= 'c'), state.next_seq++, []);
  it('IndexedDB and Durable Object storage: in the store, read by every store object on it', async () => {
    const name = freshName();
    await indexedDBQueue({ name }).append(plan);
    expect(await indexedDBQueue({ name }).append(plan)).toMatchObject({ client_id: 'c', next_seq: 3 });
    const storage = fakeDurableObjectStorage();
    await kvQueue(storage).append(plan);
    expect(await kvQueue(storage).append(plan)).toMatchObject({ client_id: 'c', next_seq: 3 });
    expect(JSON.parse(String(storage.map.get('aegislog:!state')))).toMatchObject({ client_id: 'c', next_seq: 3, size: 0 });
  });

  it('Workers KV and Redis (no transactions): in this isolate, per namespace object and prefix, one append at a time', async () => {
    const kv = fakeKV();
    const results = await Promise.all(Array.from({ length: 5 }, () => kvQueue(kv).append(plan)));
    expect(results.map((r) => r.next_seq).sort()).toEqual([2, 3, 4, 5, 6]);
    expect(await kvQueue(kv, { prefix: 'other:' }).append(plan)).toMatchObject({ next_seq: 2 });
    expect([...kv.map.keys()]).toEqual([]); // nothing of it in KV, which takes one write a second per key
  });
});

describe('IndexedDB queue store', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one put() in one transaction, and is shared by stores of the same name (tabs)', async () => {
    const name = freshName();
    const tabA = indexedDBQueue({ name });
    await tabA.count('q'); // opens the database
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
    await tabA.put(Array.from({ length: 100 }, (_, i) => entry(i)));
    expect(transaction.mock.calls.filter(([, mode]) => mode === 'readwrite')).toHaveLength(1);
    const tabB = indexedDBQueue({ name });
    expect(await tabB.count('q')).toBe(100);
    expect(tabA.shared).toBe(true);
  });

  it('keeps exact key order across records written by several tabs, and never lets a record overwrite another', async () => {
    const name = freshName();
    const tabA = indexedDBQueue({ name });
    const tabB = indexedDBQueue({ name });
    await tabA.put([entry(1), entry(4), entry(7)]);
    await tabB.put([entry(2), entry(5), entry(8)]);
    await tabA.put([entry(3), entry(6)]);
    expect((await tabB.list('q', 4)).map((e) => e.event_id)).toEqual(['id-1', 'id-2', 'id-3', 'id-4']);
    await tabB.delete([entry(1).key, entry(5).key]);
    await tabA.put([entry(1)]); // the same key again (a requeued event): a new record, nothing lost
    expect((await tabA.list('q', 100)).map((e) => e.event_id)).toEqual(['id-1', 'id-2', 'id-3', 'id-4', 'id-6', 'id-7', 'id-8']);
    expect(await tabB.count('q')).toBe(7);
  });

  it('lists the oldest entries when exactly `limit` have been found in a record that spans a wide range of keys', async () => {
    // One record holding 1 and 9 (a write tried again with older pending records, or requeued dead letters), then 2 and 3.
    const name = freshName();
    const tabA = indexedDBQueue({ name });
    const tabB = indexedDBQueue({ name });
    await tabA.put([entry(1), entry(9)]);
    await tabB.put([entry(2)]);
    await tabA.put([entry(3)]);
    expect((await tabA.list('q', 2)).map((e) => e.event_id)).toEqual(['id-1', 'id-2']);
    expect((await tabA.list('q', 3)).map((e) => e.event_id)).toEqual(['id-1', 'id-2', 'id-3']);
  });

  it('reads records an older version wrote (`|` before the tag), in key order, and deletes from them', async () => {
    const name = freshName();
    const store = indexedDBQueue({ name });
    await store.put([entry(2)]);
    const database = await new Promise<IDBDatabase>((resolve) => (indexedDB.open(name).onsuccess = (e) => resolve((e.target as IDBOpenDBRequest).result)));
    const tx = database.transaction('events', 'readwrite');
    tx.objectStore('events').put([entry(1), entry(3)], `${entry(1).key}|old0`);
    tx.objectStore('events').put([entry(4, 'd')], `${entry(4, 'd').key}|old1`);
    await new Promise((resolve) => (tx.oncomplete = resolve));
    database.close();
    expect((await store.list('q', 2)).map((e) => e.event_id)).toEqual(['id-1', 'id-2']);
    await store.delete([entry(1).key]);
    expect((await store.list('q', 10)).map((e) => e.event_id)).toEqual(['id-2', 'id-3']);
    expect((await store.list('d', 10)).map((e) => e.event_id)).toEqual(['id-4']);
  });

  it('lists a key once that an older version wrote twice (a dead letter written again after a crash)', async () => {
    const name = freshName();
    const tabA = indexedDBQueue({ name });
    await tabA.put([entry(1, 'd')]);
    const database = await new Promise<IDBDatabase>((resolve) => (indexedDB.open(name).onsuccess = (e) => resolve((e.target as IDBOpenDBRequest).result)));
    const tx = database.transaction('events', 'readwrite');
    tx.objectStore('events').put([entry(1, 'd'), entry(2, 'd')], `${entry(1, 'd').key}|old0`);
    await new Promise((resolve) => (tx.oncomplete = resolve));
    database.close();
    expect((await deadLetters(tabA, 1)).map((e) => e.event_id)).toEqual(['id-1']);
    expect((await deadLetters(tabA)).map((e) => e.event_id)).toEqual(['id-1', 'id-2']);
    expect(await tabA.count('d')).toBe(2);
  });

  it('falls back to memory with one warning where IndexedDB cannot be opened, and keeps working', async () => {
    const warnings: unknown[] = [];
    const open = vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('The operation is insecure.', 'SecurityError'); // as in some private modes
    });
    const store = indexedDBQueue({ name: freshName(), onFallback: (e) => warnings.push(e) });
    await store.put([entry(1)]);
    await store.put([entry(2)]);
    expect((await store.list('q', 10)).map((e) => e.event_id)).toEqual(['id-1', 'id-2']);
    expect(warnings).toHaveLength(1);
    expect(store.shared).toBe(false);
    expect(open).toHaveBeenCalledTimes(1);
  });

  it('warns on the console by default', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const saved = globalThis.indexedDB;
    // @ts-expect-error: a browser without IndexedDB
    delete globalThis.indexedDB;
    try {
      const store = indexedDBQueue({ name: freshName() });
      await store.put([entry(1)]);
      expect(await store.count('q')).toBe(1);
    } finally {
      globalThis.indexedDB = saved;
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/IndexedDB is unavailable/);
  });
});

describe('the client on IndexedDB', () => {
  it('records of one tick go in one transaction; a later page sends what an earlier one left (reload)', async () => {
    const srv = await inProcessServer();
    const name = freshName();
    const options = { endpoint: 'https://aegislog.test', tenantId: TENANT, apiKey: INGEST_KEY, fetch: srv.fetch, retry: FAST_RETRY };
    const first = new AegisLog({ ...options, queue: indexedDBQueue({ name }), flushInterval: 0, batchSize: 10_000 });
    await first.durable(); // database open
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
    const ids = Array.from({ length: 500 }, (_, i) => first.record('page_one', { i }));
    await first.durable();
    expect(transaction.mock.calls.filter(([, mode]) => mode === 'readwrite')).toHaveLength(1);
    transaction.mockRestore();
    expect(srv.calls).toEqual([]);
    // The page goes away without flushing. The next one finds the events and sends them.
    const second = new AegisLog({ ...options, queue: indexedDBQueue({ name }), flushInterval: 60_000 });
    try {
      await until(() => second.stats().sent === 500, 10_000, 'the next page to send the leftovers');
      expect(new Set(await storedIds(srv.fetch, options.endpoint))).toEqual(new Set(ids));
      expect(await indexedDBQueue({ name }).count('q')).toBe(0);
    } finally {
      await second.close();
    }
  });
});
