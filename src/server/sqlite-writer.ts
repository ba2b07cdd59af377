/**
 * The store's writes on a worker thread: its own connection to the file runs
 * each group commit, fsync included, while the event loop goes on parsing,
 * validating and answering. With SQLite on the main thread, a batch of 500
 * events held it about 15 µs an event for the inserts and the commit (server
 * benchmark), a quarter of its time per batched event.
 *
 * The main thread plans every write (it reads, the thread only writes), and plans
 * the next commit only once this one is written, so what it reads is what the
 * thread committed: the writes of one commit are one message.
 */
import { Worker } from 'node:worker_threads';
import { workerCalls, type ThreadError } from './worker-calls.js';

/** One write: the index of its statement in the list the thread prepared, and its parameters. */
export type WriteOp = [statement: number, params: unknown[]];

/** The thread's code: CommonJS given as text, so that every build (ESM, CJS, the tests' sources) runs it alike. */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
for (const pragma of workerData.pragmas) db.pragma(pragma);
const statements = workerData.statements.map((sql) => db.prepare(sql));
const commit = db.transaction((ops) => {
  for (const [statement, params] of ops) statements[statement].run(...params);
});
parentPort.on('message', ({ id, ops }) => {
  try {
    commit(ops);
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

export interface SqliteWriter {
  /** Runs `ops` in one transaction on the thread; resolves once it is committed (and synced, as the pragmas say). */
  commit(ops: readonly WriteOp[]): Promise<void>;
  /** False once the thread has failed: the store then writes on its own connection. */
  readonly live: boolean;
  close(): Promise<void>;
}

/**
 * A writer thread on the file at `path`. `statements`: the SQL of each write; `pragmas`: run on its
 * connection first (synchronous, busy_timeout …); `driver`: where better-sqlite3 resolves.
 */
export function sqliteWriter(path: string, statements: readonly string[], pragmas: readonly string[], driver: string): SqliteWriter {
  const worker = new Worker(THREAD, { eval: true, workerData: { driver, path, statements, pragmas } });
  const calls = workerCalls<void>(worker, 'the SQLite writer thread');
  let closed = false;
  const live = () => calls.live && !closed;
  worker.on('message', ({ id, error }: { id: number; error?: ThreadError }) => calls.answer(id, undefined, error));
  return {
    get live() {
      return live();
    },
    commit(ops) {
      if (!live()) return Promise.reject(new Error('the SQLite writer thread has failed'));
      return calls.call((id) => worker.postMessage({ id, ops: ops.map(ownBuffers) }));
    },
    async close() {
      closed = true;
      await worker.terminate();
    },
  };
}

/**
 * A view of a larger buffer (a pooled Buffer, a tile cut from a level) would take all of that buffer
 * into the message: such a parameter is copied to its own.
 */
function ownBuffers(op: WriteOp): WriteOp {
  const params = op[1];
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p instanceof Uint8Array && p.byteLength !== p.buffer.byteLength) params[i] = p.slice();
  }
  return op;
}
