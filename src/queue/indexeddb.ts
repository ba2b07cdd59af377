import { promisifyRequest } from 'idb-keyval';
import { memoryQueue } from './memory.js';
import { QUEUED, freshState, type QueueEntry, type QueueState, type QueueStore } from './types.js';

export interface IndexedDBQueueOptions {
  /** Database name; tabs of one origin using the same name share one queue. */
  name?: string;
  /** Called once if IndexedDB cannot be opened and the queue falls back to memory. Default: console.warn. */
  onFallback?: (error: unknown) => void;
}

type Cursor = Omit<IDBCursorWithValue, 'value'> & { value: QueueEntry[] | QueueState };

/** Entries per IndexedDB record: about one delivery batch, so that an acknowledgement mostly deletes whole records. */
const CHUNK = 500;
/** Tries of one operation whose transaction fails (an abort, a closed connection) before the caller is told. */
const TRIES = 3;
/** The state's record key: it sorts before every entry record (`d…`, `q…`), and its value is no array. */
const STATE = '!state';
/**
 * Between a record's first entry key and its tag: below every character of a key (`-` is the lowest an
 * event_id has), so that records sort as their first entries do. `|`, before, sorted above them: the
 * record of `q…:order-1` came after that of `q…:order-1-b`, and list() stopped before it. Records an
 * older version wrote so stay readable (a scan reads every record, whatever its key); only among them
 * can that misorder remain, until they are sent.
 */
const SEP = ' ';
const byKey = (a: QueueEntry, b: QueueEntry) => (a.key < b.key ? -1 : 1);
/** The `limit` oldest, each key once: a store written by an older version may hold a key twice. */
const oldest = (found: QueueEntry[], limit: number) => found.sort(byKey).filter((e, i, a) => e.key !== a[i - 1]?.key).slice(0, limit);

/**
 * The browser default: one IndexedDB database per queue (the layout of
 * idb-keyval's createStore: object store `events`). A put() or append() is one
 * transaction that stores its entries in records of up to 500 (IndexedDB costs
 * about 0.1 ms a record, so 10,000 one by one would take a second), each under
 * its first entry's key; append() also reads and writes the state record, so
 * that tabs number their records one transaction after another, and put()
 * takes out the entries it replaces (same keys, and `replacing`) in its own.
 * Where IndexedDB cannot be opened (some private modes, blocked storage) it
 * warns once and carries on in memory: the events are still delivered while
 * the page lives. A transaction that fails once it is open (quota, an abort, a
 * connection the browser closed) is tried again, then the operation rejects
 * (the client reports it through `onError` and keeps the events); the queue
 * stays on IndexedDB, with what it holds.
 */
export function indexedDBQueue(options: IndexedDBQueueOptions = {}): QueueStore {
  const name = options.name ?? 'aegislog';
  // Record keys must not collide across tabs and puts: first entry's key, then this store's own tag.
  const tag = Math.random().toString(36).slice(2);
  let serial = 0;
  let db: Promise<IDBDatabase> | undefined;
  let opened = false;
  let fallback: QueueStore | undefined;
  /** Operations in a row whose every try failed over quota. */
  let overQuota = 0;

  // Opened once, and again if the browser closes the connection (it may, under storage pressure).
  const connect = () =>
    (db ??= (async () => {
      const request = indexedDB.open(name);
      request.onupgradeneeded = () => request.result.createObjectStore('events');
      const database = await promisifyRequest(request);
      database.onclose = () => (db = undefined);
      // Another page deletes or upgrades the database: held open, this connection would block it, and every
      // open() queued behind it (a new page's records), for as long as this page lives. Reopened when next used.
      database.onversionchange = () => (database.close(), (db = undefined));
      opened = true;
      return database;
    })().catch((error: unknown) => {
      db = undefined;
      throw error;
    }));

  const useMemory = (error: unknown) => {
    fallback = memoryQueue(name);
    (options.onFallback ?? warn)(error);
  };

  async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => Promise<T>, onMemory: (m: QueueStore) => Promise<T>): Promise<T> {
    for (let attempt = 1; !fallback; attempt++) {
      let database: IDBDatabase;
      try {
        database = await connect();
      } catch (error) {
        // Only a first open that fails means "no IndexedDB here"; later, it is a failure like any other.
        if (opened || attempt > 1) throw error;
        useMemory(error);
        break;
      }
      try {
        const result = await work(database.transaction('events', mode).objectStore('events'));
        if (mode === 'readwrite') overQuota = 0;
        return result;
      } catch (error) {
        if (attempt < TRIES) continue;
        // A second write in a row over quota: it will fail every time, and records kept for the next try would
        // never be sent. They go to memory instead (numbered under a client_id of their own); what IndexedDB
        // holds waits for the next page.
        if ((error as Error)?.name !== 'QuotaExceededError' || ++overQuota < 2) throw error;
        useMemory(error);
      }
    }
    return onMemory(fallback!);
  }

  const write = (s: IDBObjectStore, entries: readonly QueueEntry[]) => {
    const sorted = [...entries].sort(byKey);
    for (let i = 0; i < sorted.length; i += CHUNK) s.put(sorted.slice(i, i + CHUNK), `${sorted[i]!.key}${SEP}${tag}${serial++}`);
  };

  // Every operation scans the records in key order and filters entries by prefix: dead letters are
  // few, and one way of reading keeps this small.
  const store: QueueStore = {
    name,
    get shared() {
      return !fallback;
    },
    append: (plan) =>
      run(
        'readwrite',
        async (s) => {
          let state = (await promisifyRequest(s.get(STATE))) as QueueState | undefined;
          if (!state) {
            // A store written before there was a state (or its first append): count what it holds, once.
            let size = 0;
            await scan(s, (cursor) => void (Array.isArray(cursor.value) && (size += cursor.value.filter((e) => e.key.startsWith(QUEUED)).length)));
            state = freshState(size);
          }
          const entries = plan(state);
          state.size += entries.length;
          await done(s, () => (write(s, entries), s.put(state, STATE)));
          return state;
        },
        (m) => m.append(plan),
      ),
    // One transaction: takes out every entry under a key of `entries` or `replacing`, then writes `entries`.
    // A key thus holds one entry, as in a Map, and a dead letter takes its queue entry's place atomically.
    put: (entries, replacing) =>
      run(
        'readwrite',
        async (s) => {
          const out = new Set(replacing);
          let state: QueueState | undefined;
          let size = 0;
          for (const { key } of entries) {
            out.add(key);
            if (key.startsWith(QUEUED)) size++;
          }
          await scan(s, (cursor) => {
            if (!Array.isArray(cursor.value)) return void (state = cursor.value);
            const kept = cursor.value.filter((e) => !out.has(e.key));
            for (const e of kept) if (e.key.startsWith(QUEUED)) size++;
            if (kept.length === 0) cursor.delete();
            else if (kept.length < cursor.value.length) cursor.update(kept);
          });
          // The scan saw every record: the size is recounted, not adjusted, so it cannot drift.
          return done(s, () => (write(s, entries), state && s.put({ ...state, size }, STATE)));
        },
        (m) => m.put(entries, replacing),
      ),
    list: (prefix, limit) =>
      !(limit >= 1) ? Promise.resolve([]) : run(
        'readonly',
        async (s) => {
          // Records sort by their first entry; a later one may still hold an entry older than the
          // limit-th found so far, so the scan goes on while records start before that one.
          let found: QueueEntry[] = [];
          await scan(s, (cursor) => {
            if (!Array.isArray(cursor.value)) return;
            if (found.length >= limit && cursor.key > found[limit - 1]!.key) return false;
            for (const e of cursor.value) if (e.key.startsWith(prefix)) found.push(e);
            // Sorted as soon as it holds `limit`: the test above needs the limit-th oldest, not the limit-th found.
            if (found.length >= limit) found = oldest(found, limit);
          });
          return oldest(found, limit);
        },
        (m) => m.list(prefix, limit),
      ),
    delete: (keys) => store.put([], keys),
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
// being unloaded right after record() has a better chance to keep the write. An abort without an
// error of its own (tx.abort()) still rejects with one.
// `requests` are the transaction's last ones: one that throws (the transaction aborted under it)
// aborts it, so that nothing is half written and `settled` rejects with why.
function done(store: IDBObjectStore, requests?: () => unknown): Promise<void> {
  const tx = store.transaction;
  const settled = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error ?? new DOMException('the IndexedDB transaction was aborted', 'AbortError'));
  });
  try {
    requests?.();
    tx.commit?.();
  } catch {
    try {
      tx.abort();
    } catch {
      // Already aborted (commit() and abort() throw then): `settled` rejects with why.
    }
  }
  return settled;
}

function warn(error: unknown): void {
  console.warn('aegislog: IndexedDB is unavailable; queueing in memory only', error);
}
