/**
 * Read-only connections to a SQLite file on worker threads, for the reads of
 * /evidence. better-sqlite3 blocks its thread while the OS fetches a page, and a
 * bundle from a log of 10^7 entries reads half a dozen random pages, most of them
 * not in memory when the log is larger than the page cache. From several threads
 * those reads overlap, and the event loop serves other requests meanwhile.
 *
 * The threads see what the store's own connection committed (WAL: each statement
 * reads the latest commit), which is all a read of the store ever sees.
 */
import { Worker } from 'node:worker_threads';
import { workerCalls, type ThreadError, type WorkerCalls } from './worker-calls.js';

/** The thread's code: CommonJS given as text, so that every build (ESM, CJS, the tests' sources) runs it alike. */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -16384'); // 16 MiB each: interior pages; the leaves they read are random
const prepared = new Map();
const run = ({ id, sql, list }) => {
  try {
    let statement = prepared.get(sql);
    if (!statement) prepared.set(sql, (statement = db.prepare(sql)));
    return { id, rows: list.map((params) => statement.get(...params)) };
  } catch (error) {
    return { id, error: { message: String(error && error.message), code: error && error.code } };
  }
};
parentPort.on('message', (requests) => parentPort.postMessage(requests.map(run)));
`;

export interface SqliteReaders {
  /**
   * Runs `sql` once per parameter list on one thread, and gives the first row of each (undefined for none).
   * Undefined when no thread is left (each one failed): the caller reads on its own connection.
   */
  get(sql: string, list: readonly (readonly unknown[])[]): Promise<unknown[]> | undefined;
  close(): Promise<void>;
}

interface Thread {
  worker: Worker;
  calls: WorkerCalls<unknown[]>;
  /** Requests of this turn of the event loop, posted together: a message costs more than the read it carries. */
  outbox: { id: number; sql: string; list: readonly (readonly unknown[])[] }[];
}

/** `count` threads on the file at `path`; `driver`: where better-sqlite3 resolves, for the threads to load it. */
export function sqliteReaders(path: string, count: number, driver: string): SqliteReaders {
  const threads: Thread[] = [];
  for (let i = 0; i < count; i++) {
    const worker = new Worker(THREAD, { eval: true, workerData: { driver, path } });
    const thread: Thread = { worker, calls: workerCalls(worker, 'a SQLite reader thread'), outbox: [] };
    worker.on('message', (answers: { id: number; rows?: unknown[]; error?: ThreadError }[]) => {
      for (const { id, rows, error } of answers) thread.calls.answer(id, rows, error);
    });
    threads.push(thread);
  }
  return {
    get(sql, list) {
      // The thread with the fewest reads in flight: a slow page read holds back only its own thread.
      let best: Thread | undefined;
      for (const t of threads) if (t.calls.live && (!best || t.calls.owed < best.calls.owed)) best = t;
      if (!best) return undefined;
      const thread = best;
      return thread.calls.call((id) => {
        if (thread.outbox.push({ id, sql, list }) === 1) {
          setImmediate(() => {
            const requests = thread.outbox;
            thread.outbox = [];
            if (!thread.calls.live) return;
            try {
              thread.worker.postMessage(requests);
            } catch {
              // A parameter that cannot be cloned (a DataCloneError): nothing of the batch was sent. Each read
              // goes alone, and only one that cannot be sent fails, rather than an uncaught throw here
              // ending the process.
              for (const request of requests) {
                try {
                  thread.worker.postMessage([request]);
                } catch (error) {
                  thread.calls.refuse(request.id, error);
                }
              }
            }
          });
        }
      });
    },
    async close() {
      await Promise.all(threads.map((t) => t.worker.terminate()));
    },
  };
}
