import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';
import { workerCalls } from '../../src/server/worker-calls.js';

/** A thread that never answers, and whether it is ref'd (Worker has no hasRef()): last ref() or unref() wins. */
function idleWorker(): { worker: Worker; refd(): boolean } {
  const worker = new Worker("require('node:worker_threads').parentPort.on('message', () => {})", { eval: true });
  let refd = true;
  const [ref, unref] = [worker.ref.bind(worker), worker.unref.bind(worker)];
  worker.ref = () => ((refd = true), ref());
  worker.unref = () => ((refd = false), unref());
  return { worker, refd: () => refd };
}

test('a call whose post throws rejects with that error, is no longer owed, and leaves the thread unref\'d', async () => {
  const { worker, refd } = idleWorker();
  try {
    const calls = workerCalls<number>(worker, 'a test thread');
    const error = new DOMException('() => 1 could not be cloned.', 'DataCloneError');
    await expect(calls.call(() => { throw error; })).rejects.toBe(error);
    expect(calls.owed).toBe(0);
    expect(refd()).toBe(false);
    expect(calls.live).toBe(true);
  } finally {
    await worker.terminate();
  }
});
