import { describe, expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import { inclusionProof, merkleRoot } from '../../src/tlog/merkle.js';
import { leafHash } from '../../src/tlog/merkle.js';
import { appendLeafHashes } from '../../src/tlog/tile-append.js';
import { inclusionFromTiles, withInnerNodes, type TileSource } from '../../src/tlog/tile-proofs.js';
import { INNER_LEVEL, innerTileOf, parseTilePath, type TileRef } from '../../src/tlog/tiles.js';

const utf8 = new TextEncoder();
const data = (n: number) => Array.from({ length: n }, (_, i) => sha256(utf8.encode(`entry ${i}`)));
const joined = (list: Uint8Array[]) => {
  const out = new Uint8Array(32 * list.length);
  list.forEach((h, i) => out.set(h, 32 * i));
  return out;
};

/** A log of `n` leaves appended in one call; its tiles and inner nodes by `level/index`. */
function tiled(n: number) {
  const leaves = data(n);
  const { writes, inner } = appendLeafHashes(0, [], joined(leaves.map(leafHash)));
  const blobs = new Map(writes.map((w) => [`${w.tile.level}/${w.tile.index}`, w.bytes]));
  const nodes = new Map(inner.map((w) => [`${w.tile.level}/${w.tile.index}`, w.bytes]));
  return { leaves, writes, inner, blobs, nodes };
}

describe('inner nodes of full tiles (kept by a server beside each tile)', () => {
  test('each tile that fills gives the roots of its 16 groups of 16 hashes, at level 64 + its level; a partial tile none', () => {
    const { leaves, writes, inner } = tiled(600);
    expect(writes.filter((w) => w.tile.width === 256).map((w) => w.tile)).toEqual([{ level: 0, index: 0, width: 256 }, { level: 0, index: 1, width: 256 }]);
    expect(inner.map((w) => w.tile)).toEqual([{ level: INNER_LEVEL, index: 0, width: 16 }, { level: INNER_LEVEL, index: 1, width: 16 }]);
    inner.forEach(({ bytes }, t) => {
      expect(bytes.length).toBe(512);
      for (let g = 0; g < 16; g++) expect(bytes.subarray(32 * g, 32 * g + 32)).toEqual(merkleRoot(leaves.slice(256 * t + 16 * g, 256 * t + 16 * g + 16)));
    });
  });

  test('a level-1 tile that fills gives its inner nodes too: roots of 4,096 leaves each', () => {
    const { leaves, inner } = tiled(65_536);
    const upper = inner.find((w) => w.tile.level === INNER_LEVEL + 1)!;
    expect(upper.tile).toEqual(innerTileOf({ level: 1, index: 0 }));
    expect(upper.bytes.subarray(32 * 5, 32 * 6)).toEqual(merkleRoot(leaves.slice(5 * 4096, 6 * 4096)));
    expect(inner.length).toBe(257);
  });

  test('proofs cut with inner nodes are the proofs of RFC 9162, for a leaf in every group and at every size', async () => {
    const { leaves, blobs, nodes } = tiled(700);
    // Fresh bytes on every read, as from a store with no cache: each proof uses the inner nodes.
    const source: TileSource = {
      async read(refs: readonly TileRef[]) {
        return refs.map((r) => {
          const bytes = blobs.get(`${r.level}/${r.index}`)!.slice(0, 32 * r.width);
          const inner = nodes.get(`${INNER_LEVEL + (r.level as number)}/${r.index}`);
          return r.width === 256 && inner ? withInnerNodes(bytes, inner) : bytes;
        });
      },
    };
    for (const size of [256, 300, 512, 700]) {
      for (let index = 3; index < size; index += 17) {
        expect(await inclusionFromTiles(index, size, source)).toEqual(inclusionProof(index, leaves.slice(0, size)));
      }
    }
  });

  test('with them, a proof into a full tile reads the leaf hashes of its own group of 16 only', async () => {
    const { leaves, blobs, nodes } = tiled(600);
    for (const size of [512, 600]) {
      // Steps of 3 reach every place in a group (3 and 16 are coprime) and both tiles.
      for (let index = 0; index < 512; index += 3) {
        // Every hash of the leaf's tile zeroed but those of its group: the proof shows what it read.
        const source: TileSource = {
          async read(refs: readonly TileRef[]) {
            return refs.map((r) => {
              const bytes = blobs.get(`${r.level}/${r.index}`)!.slice(0, 32 * r.width);
              if (r.level !== 0 || r.index !== Math.floor(index / 256)) return bytes;
              const first = (index % 256) - (index % 16);
              bytes.fill(0, 0, 32 * first).fill(0, 32 * (first + 16));
              return withInnerNodes(bytes, nodes.get(`${INNER_LEVEL}/${r.index}`)!);
            });
          },
        };
        expect(await inclusionFromTiles(index, size, source)).toEqual(inclusionProof(index, leaves.slice(0, size)));
      }
    }
  });

  test('every proof from the same bytes (a cache kept them) reads the leaf hashes of its own group only, and the inner nodes', async () => {
    const { leaves, blobs, nodes } = tiled(512);
    // Tile 1 with every hash zeroed but those of group 3 (leaves 304…319): a proof that hashed the whole tile
    // (as the code before 1fb5cae did on the second proof) would show it.
    const tile = blobs.get('0/1')!.slice();
    tile.fill(0, 0, 32 * 48).fill(0, 32 * 64);
    withInnerNodes(tile, nodes.get(`${INNER_LEVEL}/1`)!);
    const source: TileSource = { read: async (refs) => refs.map((r) => (r.level === 0 && r.index === 1 ? tile : blobs.get(`${r.level}/${r.index}`)!)) };
    for (let round = 0; round < 3; round++) {
      for (const index of [304, 311, 319, 308]) expect(await inclusionFromTiles(index, 512, source)).toEqual(inclusionProof(index, leaves));
    }
  });

  test('proofs from the same bytes, again and again, into every group and at every place: those of RFC 9162', async () => {
    const { leaves, blobs, nodes } = tiled(768);
    // The same bytes objects on every read, as from a server's tile cache: later proofs keep the trees they hash.
    const kept = new Map<string, Uint8Array>();
    const source: TileSource = {
      async read(refs: readonly TileRef[]) {
        return refs.map((r) => {
          const key = `${r.level}/${r.index}/${r.width}`;
          let bytes = kept.get(key);
          if (!bytes) {
            bytes = blobs.get(`${r.level}/${r.index}`)!.slice(0, 32 * r.width);
            const inner = nodes.get(`${INNER_LEVEL + (r.level as number)}/${r.index}`);
            kept.set(key, (bytes = r.width === 256 && inner ? withInnerNodes(bytes, inner) : bytes));
          }
          return bytes;
        });
      },
    };
    for (let round = 0; round < 2; round++) {
      for (const size of [768, 600]) {
        for (let index = round; index < size; index += 5) expect(await inclusionFromTiles(index, size, source)).toEqual(inclusionProof(index, leaves.slice(0, size)));
      }
    }
  });

  test('an inner level is no tile path: a server never serves one', () => {
    expect(() => parseTilePath(`tile/${INNER_LEVEL}/000`)).toThrow();
  });
});
