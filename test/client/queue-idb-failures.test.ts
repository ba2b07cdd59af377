// Issue 11, browser client: one failed IndexedDB transaction used to switch the queue to memory for
// good (`shared` false, no Web Lock, later events in memory only). Only a failing open() may fall
// back; a failed transaction is tried again, then reported through onError, and the events stay
// in IndexedDB. fake-indexeddb (an implementation of the IndexedDB spec) stands for the browser:
// a transaction is failed the way a quota error or the browser fails one, by aborting it.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AegisLog, AegisLogError, indexedDBQueue, type QueueEntry } from '../../src/index.js';
import { FAST_RETRY, INGEST_KEY, TENANT, inProcessServer, storedIds, until } from './helpers.js';

let dbCount = 0;
const freshName = () => `aegislog-idb-failures-${process.pid}-${++dbCount}`;
const entry = (n: number): QueueEntry => ({ key: `q${String(n).padStart(6, '0')}:id-${n}`, event_id: `id-${n}`, body: `{"n":${n}}` });
const ids = (entries: QueueEntry[]) => entries.map((e) => e.event_id);

/** Aborts the next `n` transactions that write (as a quota error would), leaving reads alone. */
function abortWrites(n: number) {
  let left = n;
  const put = IDBObjectStore.prototype.put;
  const openCursor = IDBObjectStore.prototype.openCursor;
  const abortIfWriting = (store: IDBObjectStore) => {
    if (store.transaction.mode === 'readwrite' && left > 0) {
      left--;
      store.transaction.abort();
    }
  };
  const spies = [
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const request = put.apply(this, args);
      abortIfWriting(this);
      return request;
    }),
    vi.spyOn(IDBObjectStore.prototype, 'openCursor').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['openCursor']>) {
      const request = openCursor.apply(this, args);
      abortIfWriting(this);
      return request;
    }),
  ];
  return { left: () => left, restore: () => spies.forEach((s) => s.mockRestore()) };
}

afterEach(() => vi.restoreAllMocks());

describe('IndexedDB queue: a failed transaction is not a missing IndexedDB', () => {
  it('one aborted write is tried again and lands in IndexedDB; no fallback', async () => {
    const name = freshName();
    const fallbacks: unknown[] = [];
    const store = indexedDBQueue({ name, onFallback: (e) => fallbacks.push(e) });
    await store.put([entry(1)]);
    const failing = abortWrites(1);
    await store.put([entry(2)]);
    expect(failing.left()).toBe(0);
    failing.restore();
    expect(store.shared).toBe(true);
    expect(fallbacks).toEqual([]);
    // Another tab (another store on the same database) sees both: they are in IndexedDB, not in this realm.
    expect(ids(await indexedDBQueue({ name }).list('q', 10))).toEqual(['id-1', 'id-2']);
  });

  it('a write that keeps failing rejects after its tries, with an error; the store stays on IndexedDB and keeps what it holds', async () => {
    const name = freshName();
    const fallbacks: unknown[] = [];
    const store = indexedDBQueue({ name, onFallback: (e) => fallbacks.push(e) });
    await store.put([entry(1)]);
    const failing = abortWrites(1000);
    const error = await store.put([entry(2)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(1000 - failing.left()).toBe(3); // three tries
    // A delete that fails leaves the entries where they are.
    expect(await store.delete([entry(1).key]).catch((e: unknown) => (e as DOMException).name)).toBe('AbortError');
    failing.restore();
    expect(store.shared).toBe(true);
    expect(fallbacks).toEqual([]);
    await store.put([entry(3)]);
    expect(ids(await indexedDBQueue({ name }).list('q', 10))).toEqual(['id-1', 'id-3']);
  });

  it('a connection the browser closed is opened again, not given up for memory', async () => {
    const name = freshName();
    const store = indexedDBQueue({ name, onFallback: () => {} });
    await store.put([entry(1)]);
    const transaction = IDBDatabase.prototype.transaction;
    let closed = 0;
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      if (closed++ === 0) {
        this.close();
        this.onclose?.(new Event('close')); // what a browser fires when it closes a connection itself
      }
      return transaction.apply(this, args);
    });
    await store.put([entry(2)]);
    expect(store.shared).toBe(true);
    expect(ids(await store.list('q', 10))).toEqual(['id-1', 'id-2']);
  });

  it('gives way to a page that deletes or upgrades the database, instead of holding it and every later open', async () => {
    // An app that clears its storage (a logout) deletes the database while a tab has it open. A connection
    // that ignores versionchange blocks that delete for as long as the tab lives, and every open() queued
    // behind it: a new page's records then waited in memory for a write that never came (lost at exit).
    const name = freshName();
    const open = indexedDBQueue({ name });
    await open.put([entry(1)]);
    let deleted = false;
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => (deleted = true);
    await until(() => deleted, 2000, 'the delete to go through');
    const next = indexedDBQueue({ name, onFallback: () => {} });
    await next.put([entry(2)]);
    expect(next.shared).toBe(true);
    expect(ids(await next.list('q', 10))).toEqual(['id-2']);
    // The tab that gave way opens the new database at its next operation, and goes on in IndexedDB.
    await open.put([entry(3)]);
    expect(open.shared).toBe(true);
    expect(ids(await next.list('q', 10))).toEqual(['id-2', 'id-3']);
  });

  it('only a failing open() falls back to memory (once, with one warning)', async () => {
    const fallbacks: unknown[] = [];
    vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    });
    const store = indexedDBQueue({ name: freshName(), onFallback: (e) => fallbacks.push(e) });
    await store.put([entry(1)]);
    expect(store.shared).toBe(false);
    expect(fallbacks).toHaveLength(1);
    expect(ids(await store.list('q', 10))).toEqual(['id-1']);
  });
});

describe('the client over a failing IndexedDB', () => {
  it('a failed write is reported through onError (ERR_QUEUE_STORE) and kept; the tab stays shared; the events reach the server', async () => {
    const srv = await inProcessServer();
    const name = freshName();
    const errors: AegisLogError[] = [];
    const options = { endpoint: 'https://aegislog.test', tenantId: TENANT, apiKey: INGEST_KEY, fetch: srv.fetch, retry: FAST_RETRY };
    const log = new AegisLog({ ...options, queue: indexedDBQueue({ name }), flushInterval: 0, batchSize: 10_000, onError: (e) => void errors.push(e) });
    try {
      await log.durable(); // opened
      const failing = abortWrites(1000);
      const first = log.record('during_failure', { n: 1 });
      await log.durable().catch(() => {});
      await until(() => errors.length > 0, 5000, 'the failed write to be reported');
      expect(errors[0]!.code).toBe('ERR_QUEUE_STORE');
      expect(log.stats().queued).toBe(1); // kept, in this page, until a write succeeds
      failing.restore();
      const second = log.record('after_failure', { n: 2 });
      await log.durable();
      // Both are in IndexedDB now (another tab sees them), and the queue never left it.
      expect(new Set((await indexedDBQueue({ name }).list('q', 10)).map((e) => e.event_id))).toEqual(new Set([first, second]));
      await log.flush();
      expect(new Set(await storedIds(srv.fetch, options.endpoint))).toEqual(new Set([first, second]));
    } finally {
      await log.close();
    }
  });
});
