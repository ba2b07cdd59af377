// client_id and client_seq (PROTOCOL.md §2): every record() takes the next number of its queue
// store, dropped or not, in the transaction that writes it; drops are told in a signed
// aegislog.dropped event once there is room. IndexedDB is fake-indexeddb (real Chromium: e2e);
// KV and Durable Object storage are the Map-backed fakes (real workerd: the edge suite).
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AegisLog, indexedDBQueue, kvQueue, memoryQueue, type AegisLogOptions, type QueueStore } from '../../src/index.js';
import { fakeDurableObjectStorage, fakeKV } from './fakes.js';
import { FAST_RETRY, INGEST_KEY, TENANT, inProcessServer, type InProcess } from './helpers.js';

const ENDPOINT = 'https://aegislog.test';
const open: AegisLog[] = [];
let dbs = 0;
const freshName = () => `aegislog-numbering-${process.pid}-${++dbs}`;

function client(queue: QueueStore, options: Partial<AegisLogOptions> = {}, srv?: InProcess): AegisLog {
  const log = new AegisLog({
    endpoint: ENDPOINT, tenantId: TENANT, apiKey: INGEST_KEY, queue, flushInterval: 0, batchSize: 1e9, retry: FAST_RETRY, onError: () => {},
    fetch: srv?.fetch ?? (() => Promise.reject(new Error('no I/O expected'))), ...options,
  });
  open.push(log);
  return log;
}

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((log) => log.close()));
});

type Wire = { event_id: string; event_type: string; client_id: string; client_seq: number; count?: number; first_seq?: number; last_seq?: number };
const queued = async (store: QueueStore): Promise<Wire[]> => (await store.list('q', 1e6)).map((e) => JSON.parse(e.body));
const seqs = (events: Wire[]) => events.map((e) => e.client_seq).sort((a, b) => a - b);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('numbering', () => {
  it('numbers records 1, 2, 3… in record order under one client_id of the store; the server takes them and the receipts match', async () => {
    const srv = await inProcessServer();
    const queue = memoryQueue();
    const log = client(queue, {}, srv);
    const ids = [log.record('a', {}), log.record('b', {})];
    await log.durable();
    ids.push(log.record('c', {}));
    await log.durable();
    const events = await queued(queue);
    expect(events.map((e) => [e.event_id, e.client_seq])).toEqual(ids.map((id, i) => [id, i + 1]));
    expect(new Set(events.map((e) => e.client_id)).size).toBe(1);
    expect(events[0]!.client_id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(await log.flush()).toMatchObject({ sent: 3, deadLettered: 0 }); // each receipt's digest covers the numbers
  });

  it('continues on the same store after a reload (a new client and a new store object on one IndexedDB database)', async () => {
    const name = freshName();
    const first = client(indexedDBQueue({ name }));
    for (let i = 0; i < 3; i++) first.record('before', { i });
    await first.durable();
    const second = client(indexedDBQueue({ name }));
    second.record('after', {});
    await second.durable();
    const events = await queued(indexedDBQueue({ name }));
    expect(seqs(events)).toEqual([1, 2, 3, 4]);
    expect(new Set(events.map((e) => e.client_id)).size).toBe(1);
  });

  it('gives unique, gapless numbers to tabs writing one IndexedDB queue in the same ticks', async () => {
    const name = freshName();
    const tabs = [0, 1, 2].map(() => client(indexedDBQueue({ name })));
    for (let round = 0; round < 5; round++) {
      for (const [t, tab] of tabs.entries()) for (let i = 0; i <= t; i++) tab.record('tab', { t, round, i });
      await Promise.all(tabs.map((tab) => tab.durable()));
    }
    const events = await queued(indexedDBQueue({ name }));
    expect(events).toHaveLength(30);
    expect(seqs(events)).toEqual(range(1, 30));
    expect(new Set(events.map((e) => e.client_id)).size).toBe(1);
  });

  it('an IndexedDB write that keeps failing keeps the records pending, reports it, and writes them, numbered, with the next try', async () => {
    const name = freshName();
    const errors: string[] = [];
    const store = indexedDBQueue({ name, onFallback: () => errors.push('fallback') });
    const log = client(store, { onError: (e) => errors.push(e.code) });
    expect(await store.count('q')).toBe(0); // opened
    const original = IDBDatabase.prototype.transaction;
    let failures = 0;
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      // The store tries a transaction three times before it gives up: all three fail.
      if (args[1] === 'readwrite' && failures++ < 3) throw new DOMException('the disk is full', 'QuotaExceededError');
      return original.apply(this, args);
    });
    const id = log.record('kept', {});
    await expect(log.durable()).rejects.toMatchObject({ code: 'ERR_QUEUE_STORE' });
    expect(errors).toEqual(['ERR_QUEUE_STORE']);
    await log.durable();
    expect(failures).toBe(4);
    expect(store.shared).toBe(true);
    expect((await queued(indexedDBQueue({ name }))).map((e) => [e.event_id, e.client_seq])).toEqual([[id, 1]]);
  });
});

describe('overflow', () => {
  it('drops the newest beyond maxQueueSize; the drops take their numbers, and an aegislog.dropped event tells them once there is room', async () => {
    const srv = await inProcessServer();
    const queue = memoryQueue();
    const errors: [string, string[] | undefined][] = [];
    const log = client(queue, { maxQueueSize: 3, onError: (e, ids) => errors.push([e.code, ids]) }, srv);
    const ids = Array.from({ length: 5 }, (_, i) => log.record('overflow', { i }));
    expect(log.stats()).toMatchObject({ queued: 3, dropped: 2 });
    expect(errors).toEqual([['ERR_QUEUE_FULL', [ids[3]]], ['ERR_QUEUE_FULL', [ids[4]]]]);
    await log.durable();
    // Full: the account of the drops waits for room.
    expect((await queued(queue)).map((e) => [e.event_id, e.client_seq])).toEqual(ids.slice(0, 3).map((id, i) => [id, i + 1]));
    const told: Wire[] = [];
    const spy = queue.append.bind(queue);
    queue.append = async (plan) => spy((s) => {
      const written = plan(s);
      told.push(...written.map((e) => JSON.parse(e.body)));
      return written;
    });
    // The flush makes room; the account of the drops is written then, and sent with the same flush.
    expect(await log.flush()).toMatchObject({ sent: 4, remaining: 0 });
    expect(told).toEqual([expect.objectContaining({ event_type: 'aegislog.dropped', count: 2, first_seq: 4, last_seq: 5, client_seq: 6 })]);
    log.record('after', {});
    await log.durable();
    expect((await queued(queue)).map((e) => e.client_seq)).toEqual([7]);
  });

  it('counts drops that a write finds (another tab filled the store meanwhile), reports them and tells them', async () => {
    const name = freshName();
    const errors: string[][] = [];
    const a = client(indexedDBQueue({ name }), { maxQueueSize: 4 });
    const b = client(indexedDBQueue({ name }), { maxQueueSize: 4, onError: (_, ids) => errors.push(ids ?? []) });
    for (let i = 0; i < 3; i++) a.record('a', { i });
    await a.durable();
    // b has not looked at the store since: it takes all three, and the write keeps one.
    const fromB = [b.record('b', {}), b.record('b', {}), b.record('b', {})];
    await b.durable();
    expect(errors).toEqual([fromB.slice(1)]);
    expect(b.stats()).toMatchObject({ dropped: 2, queued: 4 });
    const events = await queued(indexedDBQueue({ name }));
    expect(seqs(events)).toEqual([1, 2, 3, 4]);
    // A later page finds the untold drops in the store and, once there is room, tells them.
    await indexedDBQueue({ name }).delete((await indexedDBQueue({ name }).list('q', 10)).map((e) => e.key));
    const c = client(indexedDBQueue({ name }), { maxQueueSize: 4, flushInterval: 60_000 });
    await c.durable();
    await vi.waitFor(async () => expect(await queued(indexedDBQueue({ name }))).toHaveLength(1));
    expect((await queued(indexedDBQueue({ name })))[0]).toMatchObject({ event_type: 'aegislog.dropped', count: 2, first_seq: 5, last_seq: 6, client_seq: 7 });
  });
});

describe('overflow seen from a tab whose view of the shared store is stale', () => {
  it('does not drop a record because the store was full when this tab last looked: the write, which counts, decides', async () => {
    // Tab b last saw the store full; tab a has delivered it all since. b's next records used to be dropped
    // at once, on b's stale count, into an empty queue: evidence lost, though told as a drop.
    const srv = await inProcessServer();
    const name = freshName();
    const errors: string[][] = [];
    const a = client(indexedDBQueue({ name }), { maxQueueSize: 2 }, srv);
    const b = client(indexedDBQueue({ name }), { maxQueueSize: 2, onError: (_, ids) => errors.push(ids ?? []) }, srv);
    a.record('a', {});
    a.record('a', {});
    await a.durable();
    const droppedId = b.record('b', {}); // the store is full: dropped by the write
    await b.durable();
    expect(b.stats()).toMatchObject({ dropped: 1, queued: 2 });
    expect(await a.flush()).toMatchObject({ sent: 3, remaining: 0 }); // a's two, and the account of b's drop
    const kept = [b.record('b', {}), b.record('b', {})];
    await b.durable();
    expect(errors).toEqual([[droppedId]]);
    expect(b.stats()).toMatchObject({ dropped: 1, queued: 2 });
    expect((await queued(indexedDBQueue({ name }))).map((e) => [e.event_id, e.client_seq])).toEqual([[kept[0], 5], [kept[1], 6]]);
  });

  it('an onError that records on a drop the write found is called once: its own event is dropped at once, on the count just read', async () => {
    const name = freshName();
    const told: string[] = [];
    const a = client(indexedDBQueue({ name }), { maxQueueSize: 2 });
    const b: AegisLog = client(indexedDBQueue({ name }), {
      maxQueueSize: 2,
      onError: (e) => {
        if (e.code !== 'ERR_QUEUE_FULL') return;
        told.push(e.code);
        b.record('client_error', { code: e.code });
      },
    });
    a.record('a', {});
    a.record('a', {});
    await a.durable();
    b.record('b', {}); // dropped by the write: onError records, and that record must not go round again
    for (let i = 0; i < 5; i++) await b.durable();
    expect(told).toEqual(['ERR_QUEUE_FULL']);
    expect(b.stats()).toMatchObject({ queued: 2, dropped: 2 });
  });

  it('still drops at once what this tab alone holds beyond maxQueueSize, unwritten (its memory stays bounded)', async () => {
    const errors: string[][] = [];
    const log = client(indexedDBQueue({ name: freshName() }), { maxQueueSize: 3, onError: (_, ids) => errors.push(ids ?? []) });
    const ids = Array.from({ length: 5 }, (_, i) => log.record('burst', { i }));
    expect(log.stats()).toMatchObject({ queued: 3, dropped: 2 });
    expect(errors).toEqual([[ids[3]], [ids[4]]]);
    await log.durable();
    expect(seqs(await queued(log.queue))).toEqual([1, 2, 3]);
  });
});

/**
 * Tabs a and b on one IndexedDB queue of 2: a records two, then b one, which the write drops (number 3). a sends
 * through the server, unless `refuse` says so of a request's events (then 403, for good); `sent` lists what reached it.
 */
async function twoTabsOneDrop(refuse: (events: Wire[]) => boolean) {
  const srv = await inProcessServer();
  const name = freshName();
  const sent: Wire[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body));
    const events: Wire[] = url.endsWith('/ingest/batch') ? body.events : [body];
    if (refuse(events)) return new Response('{"error":{"code":"forbidden","message":"scripted"}}', { status: 403 });
    sent.push(...events);
    return srv.fetch(url, init);
  };
  const a = client(indexedDBQueue({ name }), { maxQueueSize: 2, fetch });
  const b = client(indexedDBQueue({ name }), { maxQueueSize: 2 });
  a.record('a', {});
  a.record('a', {});
  await a.durable();
  b.record('b', {});
  await b.durable();
  return { a, b, sent };
}

describe('drops told across tabs', () => {
  it('the tab that flushes tells the drops another tab left in the shared store, in the flush that made room', async () => {
    // Tab b dropped a record and went away (a closed or killed tab flushes nothing); tab a records
    // nothing more, only flushes: the account used to wait for a's next record().
    const { a, b, sent } = await twoTabsOneDrop(() => false);
    expect(b.stats().dropped).toBe(1);
    expect(await a.flush()).toMatchObject({ sent: 3, remaining: 0 });
    expect(sent.map((e) => [e.event_type, e.client_seq])).toEqual([['a', 1], ['a', 2], ['aegislog.dropped', 4]]);
    expect(sent[2]).toMatchObject({ count: 1, first_seq: 3, last_seq: 3 });
  });
});

describe('drops told across tabs, when the room was made by dead letters', () => {
  it('the flush that dead-lettered the queue tells the drops another tab left, as one that delivered it would', async () => {
    // The server refuses a's two events for good (403): they leave the queue as dead letters, which makes
    // room as surely as receipts do. The account of b's drop used to wait for a's next record().
    const { a, sent } = await twoTabsOneDrop((events) => events.some((e) => e.event_type === 'a'));
    expect(await a.flush()).toMatchObject({ sent: 1, deadLettered: 2, remaining: 0 });
    expect(sent).toEqual([expect.objectContaining({ event_type: 'aegislog.dropped', count: 1, first_seq: 3, last_seq: 3, client_seq: 4 })]);
  });
});

describe('maxQueueSize holds for a whole KV or Durable Object queue (issue 15: 25 requests × 50 events, maxQueueSize 1,000)', () => {
  const cases: [string, () => { make: () => QueueStore }][] = [
    ['Workers KV (a list per append; numbering per isolate)', () => {
      const kv = fakeKV();
      return { make: () => kvQueue(kv) };
    }],
    ['Durable Object storage (state in the transaction)', () => {
      const storage = fakeDurableObjectStorage();
      return { make: () => kvQueue(storage) };
    }],
  ];
  it.each(cases)('%s', async (_, setup) => {
    const { make } = setup();
    let dropped = 0;
    // One client and one store object per request, as a Worker makes them.
    for (let request = 0; request < 25; request++) {
      const log = client(make(), { maxQueueSize: 1000 });
      for (let i = 0; i < 50; i++) log.record('edge', { request, i });
      await log.durable();
      dropped += log.stats().dropped;
    }
    const events = await queued(make());
    expect(events).toHaveLength(1000);
    expect(dropped).toBe(250);
    expect(seqs(events)).toEqual(range(1, 1000));
    expect(new Set(events.map((e) => e.client_id)).size).toBe(1);
    // Room again: the next append tells the 250 drops.
    await make().delete((await make().list('q', 10)).map((e) => e.key));
    const next = client(make(), { maxQueueSize: 1000 });
    next.record('edge', {});
    await next.durable();
    const told = (await queued(make())).filter((e) => e.event_type === 'aegislog.dropped');
    expect(told).toEqual([expect.objectContaining({ count: 250, first_seq: 1001, last_seq: 1250, client_seq: 1252 })]);
  });
});
