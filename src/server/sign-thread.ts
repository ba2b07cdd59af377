/**
 * Receipt signatures of a batch on one worker thread, for the Node signer.
 * Signing each receipt with node:crypto's callback form runs it on libuv's pool,
 * but each of a batch's 500 signatures then comes back to the event loop on its
 * own: a callback, a promise and a turn of microtasks each. In the server
 * benchmark those returns were 6.5% of the main thread's samples. Here a batch
 * goes out as one message and its signatures come back as one.
 *
 * One thread per process, shared by every signer in it: each message names its
 * key, and the thread keeps the keys it has seen.
 */
import { Worker } from 'node:worker_threads';
import { workerCalls, type ThreadError, type WorkerCalls } from './worker-calls.js';

/** The thread's code: CommonJS given as text, so that every build (ESM, CJS, the tests' sources) runs it alike. */
const THREAD = `
const { parentPort } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const keys = new Map();
parentPort.on('message', ({ id, keyId, jwk, lengths: sizes, all: input }) => {
  try {
    let key = keys.get(keyId);
    if (!key) keys.set(keyId, (key = createPrivateKey({ key: jwk, format: 'jwk' })));
    let at = 0;
    const signatures = sizes.map((size) => sign('sha256', input.subarray(at, (at += size)), { key, dsaEncoding: 'der' }));
    // Back as one buffer too, cut by the lengths: a DER signature is 70 to 72 bytes. Its own memory, not
    // Buffer's shared pool (Buffer.concat of under 4 KiB), which Node 22 and later refuse to transfer.
    const lengths = signatures.map((s) => s.length);
    const all = new Uint8Array(lengths.reduce((sum, n) => sum + n, 0));
    let to = 0;
    for (const s of signatures) all.set(s, to), (to += s.length);
    parentPort.postMessage({ id, lengths, all }, [all.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

interface Answer {
  id: number;
  lengths?: number[];
  all?: Uint8Array;
  error?: ThreadError;
}

let thread: { worker: Worker; calls: WorkerCalls<Uint8Array[]> } | undefined;

function start(): NonNullable<typeof thread> {
  const worker = new Worker(THREAD, { eval: true });
  const calls = workerCalls<Uint8Array[]>(worker, 'the signing thread');
  worker.on('message', ({ id, lengths, all, error }: Answer) => {
    if (error || !lengths || !all) return calls.answer(id, undefined, error ?? { message: 'the signing thread answered nothing' });
    const signatures: Uint8Array[] = [];
    let at = 0;
    for (const length of lengths) signatures.push(all.subarray(at, (at += length)));
    calls.answer(id, signatures, undefined);
  });
  return { worker, calls };
}

/**
 * Signs `messages` (SHA-256, ECDSA P-256, DER) with the private key `jwk` named `keyId`, on the
 * signing thread. Undefined when that thread has failed: the caller signs them another way.
 */
export function signOnThread(keyId: string, jwk: JsonWebKey, messages: readonly Uint8Array[]): Promise<Uint8Array[]> | undefined {
  if (thread && !thread.calls.live) return undefined;
  try {
    thread ??= start();
  } catch {
    return undefined; // no thread to be had here: the caller signs another way
  }
  const { worker, calls } = thread;
  // The batch as one buffer, moved rather than copied: a message of 500 small buffers costs the
  // event loop one clone each.
  const lengths = messages.map((m) => m.length);
  const all = new Uint8Array(lengths.reduce((sum, n) => sum + n, 0));
  let at = 0;
  for (const m of messages) all.set(m, at), (at += m.length);
  return calls.call((id) => worker.postMessage({ id, keyId, jwk, lengths, all }, [all.buffer]));
}
