/**
 * A small transparency log for witness tests: real keys (Ed25519 0x01 and
 * ECDSA 0x02 note signatures, as PROTOCOL.md §4.4), real leaves, RFC 9162
 * consistency proofs computed from the leaves (SUBPROOF, independent of tiles).
 */
import { localSigner } from '../../src/server/signers/local.js';
import { formatCheckpoint } from '../../src/tlog/checkpoint.js';
import { merkleRoot } from '../../src/tlog/merkle.js';
import { signNote, type NoteSigner } from '../../src/tlog/note.js';
import { formatAddCheckpoint } from '../../src/tlog/witness-protocol.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import {
  cosigner, ecdsaNoteSigner, ed25519NoteSigner, generateNoteSigningKey, type KeyedNoteSigner,
} from '../../src/verify/note-signers.js';

export interface TestLog {
  origin: string;
  vkeys: string[];
  signers: KeyedNoteSigner[];
  leaves: Uint8Array[];
  /** The signed checkpoint note at `size` (default: all leaves), optionally of another root (a fork). */
  checkpoint(size?: number, root?: Uint8Array): Promise<string>;
  root(size: number): Uint8Array;
  proof(m: number, n: number): Uint8Array[];
  /** An add-checkpoint body from `old` to `size`, with the proof. */
  body(old: number, size?: number): Promise<string>;
}

export function leaf(i: number, salt = 0): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j * 7 + salt) & 0xff);
}

export async function testLog(origin = 'log.example/test', count = 300): Promise<TestLog> {
  const ed = await ed25519NoteSigner(await generateNoteSigningKey(origin));
  const ecdsa = await ecdsaNoteSigner(origin, await localSigner());
  const leaves = Array.from({ length: count }, (_, i) => leaf(i));
  const root = (size: number) => merkleRoot(leaves.slice(0, size));
  const proof = (m: number, n: number) => consistencyProof(m, leaves.slice(0, n));
  const log: TestLog = {
    origin,
    vkeys: [ecdsa.vkey, ed.vkey],
    signers: [ecdsa, ed],
    leaves,
    root,
    proof,
    checkpoint: (size = leaves.length, r = root(size)) => signNote(formatCheckpoint(origin, size, r), [ecdsa, ed]),
    async body(old, size = leaves.length) {
      return formatAddCheckpoint(old, old === 0 || old === size ? [] : proof(old, size), await log.checkpoint(size));
    },
  };
  return log;
}

/**
 * An add-checkpoint body of at most `maxBytes`, and at most 64 bytes less (a signature's length varies by a few):
 * extension lines (which the cosignature signs) fill it. Without `root`, the log's own checkpoint at `size`.
 */
export async function nearLimitBody(log: TestLog, maxBytes: number, old: number, proof: Uint8Array[], size: number, root = log.root(size)): Promise<string> {
  const bytes = (text: string) => new TextEncoder().encode(text).length;
  const body = async (chars: number) => {
    let lines = '';
    for (let left = chars; left > 1; left -= 1001) lines += `${'x'.repeat(Math.min(1000, left - 1))}\n`;
    return formatAddCheckpoint(old, proof, await signNote(formatCheckpoint(log.origin, size, root) + lines, log.signers));
  };
  const first = bytes(await body(maxBytes / 2));
  const filled = await body(maxBytes / 2 + maxBytes - first - 16);
  if (bytes(filled) > maxBytes || bytes(filled) <= maxBytes - 64) throw new Error(`nearLimitBody made ${bytes(filled)} bytes for ${maxBytes}`);
  return filled;
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], true). */
export function consistencyProof(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  const sub = (m: number, d: readonly Uint8Array[], complete: boolean): Uint8Array[] => {
    const n = d.length;
    if (m === n) return complete ? [] : [merkleRoot(d)];
    let k = 1;
    while (k * 2 < n) k *= 2;
    if (m <= k) return [...sub(m, d.slice(0, k), complete), merkleRoot(d.slice(k))];
    return [...sub(m - k, d.slice(k), false), merkleRoot(d.slice(0, k))];
  };
  return sub(m, leaves, true);
}

export async function witnessKeys(name = 'witness.example/w1', options: { mlDsa?: boolean; now?: () => number } = {}) {
  const ed = await generateNoteSigningKey(name, NoteKeyType.CosignatureV1);
  const keys = [ed, ...(options.mlDsa ? [await generateNoteSigningKey(name, NoteKeyType.MlDsa44)] : [])];
  const cosigners = await Promise.all(keys.map((k) => cosigner(k, options.now ? { now: options.now } : {})));
  return { keys, cosigners, vkeys: cosigners.map((c) => c.vkey) };
}

export type { NoteSigner };

/**
 * Cloudflare's bound on one value of a (key-value) Durable Object's storage, as workerd checks it: 128 KiB of
 * the value's V8 serialization, and 34 bytes of slack for its tags. Local workerd (miniflare) does not check it,
 * so the fake below does, when given a way to measure.
 */
export const DURABLE_OBJECT_VALUE_LIMIT = 128 * 1024 + 34;

/**
 * Durable Object storage in memory, as the Workers runtime behaves for the
 * store: values structured-cloned, list() in key order, blockConcurrencyWhile
 * running one callback at a time. `data` may be shared to reopen an object.
 * With `valueBytes` (node:v8's `serialize`, the serializer workerd's storage
 * uses), a put of a larger value than Cloudflare takes throws workerd's error.
 */
export function fakeDurableObjectState(data = new Map<string, unknown>(), options: { valueBytes?: (value: unknown) => number } = {}) {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    data,
    storage: {
      async get<T>(key: string) {
        return structuredClone(data.get(key)) as T | undefined;
      },
      async put<T>(key: string, value: T) {
        const bytes = options.valueBytes?.(value) ?? 0;
        if (bytes > DURABLE_OBJECT_VALUE_LIMIT) throw new RangeError(`Values cannot be larger than 131072 bytes. A value of size ${bytes} was provided.`);
        data.set(key, structuredClone(value));
      },
      async list<T>({ prefix, start = '', limit = Infinity }: { prefix: string; start?: string; limit?: number }) {
        const keys = [...data.keys()].filter((k) => k.startsWith(prefix) && k >= start).sort().slice(0, limit);
        return new Map(keys.map((k) => [k, structuredClone(data.get(k)) as T]));
      },
    },
    blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T> {
      const run = chain.then(callback);
      chain = run.catch(() => undefined);
      return run;
    },
  };
}
