import { createStore, promisifyRequest } from 'idb-keyval';
import { memoryQueue } from './memory.js';
import type { QueueEntry, QueueStore } from './types.js';

export interface IndexedDBQueueOptions {
  /** Database name; tabs of one origin using the same name share one queue. */
  name?: string;
  /** Called once if IndexedDB fails and the queue falls back to memory. Default: console.warn. */
  onFallback?: (error: unknown) => void;
}

type Run = <T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => T | PromiseLike<T>) => Promise<T>;
type Cursor = Omit<IDBCursorWithValue, 'value'> & { value: QueueEntry[] };

/** Entries per IndexedDB record: about one delivery batch, so that an acknowledgement mostly deletes whole records. */
const CHUNK = 500;
const byKey = (a: QueueEntry, b: QueueEntry) => (a.key < b.key ? -1 : 1);

/**
 * The browser default: one IndexedDB database per queue, through idb-keyval's
 * store helper. A put() is one transaction that stores its entries in records
 * of up to 500 (IndexedDB costs about 0.1 ms a record, so 10,000 one by one
 * would take a second), each under its first entry's key. Where IndexedDB fails
 * (some private modes, blocked storage, quota) it warns once and carries on in
 * memory: the events are still delivered while the page lives.
 */
export function indexedDBQueue(options: IndexedDBQueueOptions = {}): QueueStore {
  const name = options.name ?? 'aegislog';
  // Record keys must not collide across tabs and puts: first entry's key, then this store's own tag.
  const tag = Math.random().toString(36).slice(2);
  let serial = 0;
  let idb: Run | undefined;
  let fallback: QueueStore | undefined;

  // Wraps each operation: any failure (including a synchronous one when
  // `indexedDB` does not exist) switches this store to memory for good.
  async function run<T>(onIdb: (db: Run) => Promise<T>, onMemory: (m: QueueStore) => Promise<T>): Promise<T> {
    if (!fallback) {
      try {
        idb ??= createStore(name, 'events') as Run;
        return await onIdb(idb);
      } catch (error) {
        fallback = memoryQueue(name);
        (options.onFallback ?? warn)(error);
      }
    }
    return onMemory(fallback);
  }

  // Every operation scans the records in key order and filters entries by prefix: dead letters are
  // few, and one way of reading keeps this small.
  const store: QueueStore = {
    name,
    get shared() {
      return !fallback;
    },
    put: (entries) =>
      run(
        (db) =>
          db('readwrite', (s) => {
            const sorted = [...entries].sort(byKey);
            for (let i = 0; i < sorted.length; i += CHUNK) s.put(sorted.slice(i, i + CHUNK), `${sorted[i]!.key}|${tag}${serial++}`);
            return done(s);
          }),
        (m) => m.put(entries),
      ),
    list: (prefix, limit) =>
      run(
        (db) =>
          db('readonly', async (s) => {
            // Records sort by their first entry; a later one may still hold an entry older than the
            // limit-th found so far, so the scan goes on while records start before that one.
            let found: QueueEntry[] = [];
            await scan(s, (cursor) => {
              if (found.length >= limit && cursor.key > found[limit - 1]!.key) return false;
              for (const e of cursor.value) if (e.key.startsWith(prefix)) found.push(e);
              if (found.length > limit) found = found.sort(byKey).slice(0, limit);
            });
            return found.sort(byKey);
          }),
        (m) => m.list(prefix, limit),
      ),
    delete: (keys) =>
      run(
        (db) =>
          db('readwrite', async (s) => {
            const gone = new Set(keys);
            await scan(s, (cursor) => {
              const kept = cursor.value.filter((e) => !gone.has(e.key));
              if (kept.length === 0) cursor.delete();
              else if (kept.length < cursor.value.length) cursor.update(kept);
            });
            return done(s);
          }),
        (m) => m.delete(keys),
      ),
    count: async (prefix) => (await store.list(prefix, Infinity)).length,
  };
  return store;
}

/** Visits records in key order until `visit` returns false. */
function scan(store: IDBObjectStore, visit: (cursor: Cursor) => boolean | void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = store.openCursor();
    request.onsuccess = () => {
      const cursor = request.result as Cursor | null;
      if (!cursor || visit(cursor) === false) resolve();
      else cursor.continue();
    };
    request.onerror = () => reject(request.error);
  });
}

// commit() asks for the commit now rather than when the transaction goes idle: a page that is
// being unloaded right after record() has a better chance to keep the write.
function done(store: IDBObjectStore): Promise<void> {
  const tx = store.transaction;
  const settled = promisifyRequest(tx as unknown as IDBRequest<void>);
  tx.commit?.();
  return settled;
}

function warn(error: unknown): void {
  console.warn('aegislog: IndexedDB is unavailable; queueing in memory only', error);
}
