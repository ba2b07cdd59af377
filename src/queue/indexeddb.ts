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

/**
 * The browser default: one IndexedDB database per queue, through idb-keyval's
 * store helper. Each call is one transaction, so the records of one tick,
 * written with one put(), land atomically. Where IndexedDB fails (some private
 * modes, blocked storage, quota) it warns once and carries on in memory: the
 * events are still delivered while the page lives.
 */
export function indexedDBQueue(options: IndexedDBQueueOptions = {}): QueueStore {
  const name = options.name ?? 'aegislog';
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

  const range = (prefix: string) => IDBKeyRange.bound(prefix, `${prefix}\uffff`);
  // commit() asks for the commit now rather than when the transaction goes idle: a page that is
  // being unloaded right after record() has a better chance to keep the write.
  const done = (store: IDBObjectStore) => {
    const tx = store.transaction;
    const settled = promisifyRequest(tx as unknown as IDBRequest<void>);
    tx.commit?.();
    return settled;
  };

  return {
    name,
    get shared() {
      return !fallback;
    },
    put: (entries) =>
      run(
        (db) => db('readwrite', (s) => (entries.forEach((e) => s.put(e, e.key)), done(s))),
        (m) => m.put(entries),
      ),
    list: (prefix, limit) =>
      run(
        (db) => db('readonly', (s) => promisifyRequest(s.getAll(range(prefix), limit) as IDBRequest<QueueEntry[]>)),
        (m) => m.list(prefix, limit),
      ),
    delete: (keys) =>
      run(
        (db) => db('readwrite', (s) => (keys.forEach((k) => s.delete(k)), done(s))),
        (m) => m.delete(keys),
      ),
    count: (prefix) =>
      run(
        (db) => db('readonly', (s) => promisifyRequest(s.count(range(prefix)))),
        (m) => m.count(prefix),
      ),
  };
}

function warn(error: unknown): void {
  console.warn('aegislog: IndexedDB is unavailable; queueing in memory only', error);
}
