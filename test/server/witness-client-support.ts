// The witness client's test bench (src/server/witness-client.ts): a stand-in Store holding one latest
// checkpoint (only the methods the client calls), level-0 tiles of test/witness/helpers.ts's small
// signed log, and a real aegislog/witness for it.
import { sha256 } from '../../src/protocol/index.js';
import type { Store, StoredCheckpoint } from '../../src/server/index.js';
import { createWitnessClient } from '../../src/server/witness-client.js';
import type { TileSource } from '../../src/tlog/tile-proofs.js';
import { createWitness, memoryWitnessStore, witnessHandler } from '../../src/witness/index.js';
import { testLog, witnessKeys, type TestLog } from '../witness/helpers.js';

/** The stand-in Store: the latest checkpoint, and the witness sizes kept. */
export function logStore(first: StoredCheckpoint) {
  const store = {
    current: first,
    sizes: {} as Record<string, number>,
    failSizes: 0,
    async witnessSizes() {
      if (store.failSizes > 0) {
        store.failSizes--;
        throw new Error('the database is restarting');
      }
      return { ...store.sizes };
    },
    async latestCheckpoint() {
      return store.current;
    },
    async putWitnessSize(name: string, size: number) {
      store.sizes[name] = size;
    },
    async checkpoints(from: number) {
      return from === store.current.seq ? [store.current] : [];
    },
    async updateNote(_seq: number, note: string) {
      store.current = { ...store.current, note };
    },
  };
  return store;
}

/** Level-0 tiles hashed from the test log's leaves (its trees stay under 256 leaves). */
export function tilesOf(log: TestLog): TileSource {
  return {
    async read(refs) {
      return refs.map(({ level, index, width }) => {
        if (level !== 0 || index !== 0) throw new Error(`no tile ${level}/${index} in this test`);
        const out = new Uint8Array(32 * width);
        for (let i = 0; i < width; i++) out.set(sha256(Uint8Array.of(0, ...log.leaves[i]!)), 32 * i);
        return out;
      });
    },
  };
}

export async function setup(size = 8) {
  const log = await testLog('log.example/review', 64);
  const store = logStore({ seq: 0, tree_size: size, note: await log.checkpoint(size) } as StoredCheckpoint);
  const keys = await witnessKeys('witness.example/w1');
  const wstore = memoryWitnessStore();
  const handler = witnessHandler(createWitness({ cosigners: keys.cosigners, logs: log.vkeys, store: wstore }));
  const errors: string[] = [];
  const client = (url: string, extra: { timeout?: number; fetch?: typeof fetch; retry?: { baseDelay?: number; maxDelay?: number; attempts?: number } } = {}) =>
    createWitnessClient({
      store: store as unknown as Store,
      witnesses: [{ url, vkey: keys.vkeys[0]! }],
      logVkeys: async () => log.vkeys,
      origin: log.origin,
      rootTiles: tilesOf(log),
      retry: { baseDelay: 1, maxDelay: 2, attempts: 2 },
      onError: (e) => errors.push((e as Error).message),
      ...extra,
    });
  return { log, store, wstore, handler, errors, client };
}

export const inProcess = (handler: (r: Request) => Promise<Response>) => ((input: RequestInfo | URL, init?: RequestInit) => handler(new Request(input, init))) as typeof fetch;
