/**
 * Calls to a worker thread that answer by id, for the SQLite reader and writer
 * threads: the thread keeps the process alive only while it owes an answer, and
 * one that fails or exits fails every call it owed.
 */
import type { Worker } from 'node:worker_threads';

/** An error as a thread sends it back: the message and SQLite's code survive the trip. */
export interface ThreadError {
  message: string;
  code?: string;
}

export interface WorkerCalls<T> {
  /** False once the thread has failed or exited. */
  readonly live: boolean;
  /** Calls not yet answered. */
  readonly owed: number;
  /** A call named by a fresh id; `post` sends it (now or with others). */
  call(post: (id: number) => void): Promise<T>;
  /** Settles call `id` with its answer. */
  answer(id: number, value: T | undefined, error: ThreadError | undefined): void;
  /**
   * Fails call `id` with `error` when it could not be sent (postMessage throws a DataCloneError for a
   * value that cannot be cloned): no answer will come, so it must not stay owed, nor keep the thread ref'd.
   */
  refuse(id: number, error: unknown): void;
}

export function workerCalls<T>(worker: Worker, name: string): WorkerCalls<T> {
  const pending = new Map<number, { resolve(value: T): void; reject(error: unknown): void }>();
  let next = 0;
  let live = true;
  const fail = (error: unknown) => {
    live = false;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  /** The call `id` is settled: it is no longer owed, and a thread that owes nothing lets the process exit. */
  const take = (id: number) => {
    const waiting = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    return waiting;
  };
  const refuse = (id: number, error: unknown) => take(id)?.reject(error);
  worker.unref();
  worker.on('error', fail);
  worker.on('exit', () => fail(new Error(`${name} exited`)));
  return {
    get live() {
      return live;
    },
    get owed() {
      return pending.size;
    },
    call(post) {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        if (pending.size === 0) worker.ref();
        pending.set(id, { resolve, reject });
        try {
          post(id);
        } catch (error) {
          // The executor would reject the promise anyway, but leave the call owed for ever.
          refuse(id, error);
        }
      });
    },
    answer(id, value, error) {
      const waiting = take(id);
      if (error) waiting?.reject(Object.assign(new Error(error.message), { code: error.code }));
      else waiting?.resolve(value as T);
    },
    refuse,
  };
}
