import { expect, test } from 'vitest';
import { b64uEncode, sha256 } from '../../src/protocol/index.js';
import { proofIn } from '../../src/server/evidence.js';
import { memoryStore } from '../../src/server/memory-store.js';
import { TileCache } from '../../src/server/tile-source.js';
import { missingTile } from '../../src/server/store-rules.js';
import type { Store } from '../../src/server/types.js';
import { inclusionProof } from '../../src/tlog/merkle.js';
import { INNER_LEVEL, type TileRef } from '../../src/tlog/tiles.js';
import { entry } from './store-conformance.js';

async function grown(size: number) {
  const store = memoryStore();
  const out = await store.append({ tenantId: 'acme', entries: Array.from({ length: size }, (_, i) => entry('acme', `e${i}`)), now: Date.UTC(2026, 11, 1), keyId: 'k1', sha256 });
  return { store, hashes: out.map((o) => (o.stored ? o.record : o.existing).receiptHash) };
}

/** The store, its readTiles calls recorded; `legacy`: it has no inner nodes, as tiles written by an older server. */
function watched(store: Store, legacy = false) {
  const calls: TileRef[][] = [];
  const readTiles: Store['readTiles'] = async (log, refs) => {
    calls.push([...refs]);
    if (legacy && refs.some((r) => (r.level as number) >= INNER_LEVEL)) throw missingTile(refs.at(-1)!, `log "${log}"`);
    return store.readTiles(log, refs);
  };
  return { store: { ...store, readTiles }, calls };
}

test('/evidence proofs read a cold full tile with its inner nodes, in one store call', async () => {
  const { store, hashes } = await grown(700);
  const { store: seen, calls } = watched(store);
  const proof = await proofIn({ store: seen, tileCache: new TileCache() }, 'acme', 300, 700);
  expect(proof).toEqual({ tree_size: 700, path_b64url: inclusionProof(300, hashes).map(b64uEncode) });
  expect(calls).toHaveLength(1);
  expect(calls[0]).toContainEqual({ level: INNER_LEVEL, index: 1, width: 16 });
});

test('tiles kept without inner nodes (an older server wrote them) still give the same proofs', async () => {
  const { store, hashes } = await grown(700);
  const { store: legacy, calls } = watched(store, true);
  const cache = new TileCache();
  for (const index of [0, 300, 511, 699]) {
    const proof = await proofIn({ store: legacy, tileCache: cache }, 'acme', index, 700);
    expect(proof.path_b64url).toEqual(inclusionProof(index, hashes).map(b64uEncode));
  }
  expect(calls.length).toBeGreaterThan(1); // the refused read, then the tiles alone
});

test('a tile known to have no inner nodes is then read alone, not asked with them again', async () => {
  const { store, hashes } = await grown(700);
  const { store: legacy, calls } = watched(store, true);
  const asked = () => calls.filter((refs) => refs.some((r) => (r.level as number) >= INNER_LEVEL)).length;
  for (const index of [0, 300, 511, 260, 5, 699]) {
    const proof = await proofIn({ store: legacy, tileCache: new TileCache() }, 'acme', index, 700); // each read cold
    expect(proof.path_b64url).toEqual(inclusionProof(index, hashes).map(b64uEncode));
  }
  expect(asked()).toBe(2); // once for tile 0/0, once for 0/1: then both are known
  expect(calls.length).toBe(2 + 6);
});

test('a read that fails once (not a missing tile) does not mark the level as having no inner nodes', async () => {
  const { store, hashes } = await grown(700);
  const calls: TileRef[][] = [];
  let fail = true;
  const flaky: Store = {
    ...store,
    async readTiles(log, refs) {
      calls.push([...refs]);
      if (fail) {
        fail = false;
        throw new Error('the database hiccuped');
      }
      return store.readTiles(log, refs);
    },
  };
  for (const index of [300, 260]) {
    const proof = await proofIn({ store: flaky, tileCache: new TileCache() }, 'acme', index, 700); // each read cold
    expect(proof.path_b64url).toEqual(inclusionProof(index, hashes).map(b64uEncode));
  }
  // The second proof's cold read of tile 0/1 still asks for its inner nodes.
  expect(calls.at(-1)).toContainEqual({ level: INNER_LEVEL, index: 1, width: 16 });
});
