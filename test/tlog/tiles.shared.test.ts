import { describe, expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import { inclusionProof, leafHash, merkleRoot, nodeHash, verifyConsistency, verifyInclusion } from '../../src/tlog/merkle.js';
import { appendLeafHashes, edgeTilesOf } from '../../src/tlog/tile-append.js';
import {
  consistencyFromTiles, consistencyRanges, frontierFromTiles, inclusionFromTiles, inclusionRanges, leafHashFromTiles, rootFromTiles, type TileSource,
} from '../../src/tlog/tile-proofs.js';
import { parseTilePath, partialTilesOf, tilePath, tilesOf, type TileRef } from '../../src/tlog/tiles.js';
import { createTreeBuilder } from '../../src/tlog/tree-builder.js';

const data = (i: number) => sha256(new TextEncoder().encode(`entry ${i}`));

/** A log kept the way a store keeps it: one growing blob per (level, index), appended in uneven chunks. */
function tiledLog(total: number, chunk = (i: number) => 1 + ((i * 7919) % 611)) {
  const blobs = new Map<string, Uint8Array>();
  let size = 0;
  for (let step = 0; size < total; step++) {
    const n = Math.min(chunk(step), total - size);
    const hashes = new Uint8Array(32 * n);
    for (let i = 0; i < n; i++) hashes.set(leafHash(data(size + i)), 32 * i);
    const edge: Uint8Array[] = [];
    for (const t of edgeTilesOf(size)) edge[t.level] = blobs.get(`${t.level}/${t.index}`)!.subarray(0, 32 * t.width);
    const result = appendLeafHashes(size, edge, hashes);
    for (const w of result.writes) blobs.set(`${w.tile.level}/${w.tile.index}`, w.bytes);
    size = result.size;
  }
  const reads: TileRef[][] = [];
  const source: TileSource = {
    async read(refs) {
      reads.push([...refs]);
      return refs.map((r) => {
        const blob = blobs.get(`${r.level}/${r.index}`);
        if (!blob || blob.length < 32 * r.width) throw new Error(`no ${tilePath(r)}`);
        return blob.subarray(0, 32 * r.width);
      });
    },
  };
  return { blobs, source, reads };
}

/** RFC 9162 §2.1.4.1, straight from the text, on the leaves themselves. */
function referenceConsistency(m: number, leaves: Uint8Array[]): Uint8Array[] {
  const sub = (m: number, d: Uint8Array[], b: boolean): Uint8Array[] => {
    if (m === d.length) return b ? [] : [merkleRoot(d)];
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    if (m <= k) return [...sub(m, d.slice(0, k), b), merkleRoot(d.slice(k))];
    return [...sub(m - k, d.slice(k), false), merkleRoot(d.slice(0, k))];
  };
  return sub(m, leaves, true);
}

describe('tile paths (C2SP tlog-tiles)', () => {
  test('index elements and partial widths as the spec writes them', () => {
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 0, width: 1 })).toBe('tile/2/000.p/1');
    expect(tilePath({ level: 'entries', index: 1000, width: 17 })).toBe('tile/entries/x001/000.p/17');
    for (const ref of [{ level: 0, index: 1234067, width: 256 }, { level: 63, index: 999, width: 255 }, { level: 'entries' as const, index: 5, width: 3 }]) {
      expect(parseTilePath(tilePath(ref))).toEqual(ref);
    }
  });

  test.each([
    'tile/0/1', 'tile/00/001', 'tile/64/001', 'tile/0/x000/001', 'tile/0/001.p/256', 'tile/0/001.p/0', 'tile/0/001.p/01',
    'tile/0/x1/001', 'tile/0/001/', '/tile/0/001', 'tile/entries/001.p/300', 'tile/-1/001', 'tile/0/x001/x002/x003/x004/x005/x006/007',
  ])('refuses %s', (path) => {
    expect(() => parseTilePath(path)).toThrow(expect.objectContaining({ code: 'ERR_TILE_INVALID' }));
  });

  test.each([
    [{ level: 0, index: -1, width: 256 }, 'index'], [{ level: 0, index: 1.5, width: 256 }, 'index'], [{ level: 0, index: 2 ** 53, width: 256 }, 'index'],
    [{ level: 0, index: 0, width: 0 }, 'width'], [{ level: 0, index: 0, width: 257 }, 'width'], [{ level: 0, index: 0, width: 2.5 }, 'width'],
    [{ level: -1, index: 0, width: 1 }, 'level'], [{ level: 'tiles', index: 0, width: 1 }, 'level'], [null, 'tile'],
  ])('tilePath refuses %j instead of writing a path no log serves', (ref, field) => {
    expect(() => tilePath(ref as never)).toThrow(expect.objectContaining({ code: 'ERR_TILE_INVALID', field }));
  });

  test('a tree of 70,000 entries has the tiles tlog-tiles lists', () => {
    const tiles = tilesOf(70_000);
    const level = (l: number) => tiles.filter((t) => t.level === l);
    expect(level(0).filter((t) => t.width === 256)).toHaveLength(273);
    expect(level(0).filter((t) => t.width < 256)).toEqual([{ level: 0, index: 273, width: 112 }]);
    expect(level(1)).toEqual([{ level: 1, index: 0, width: 256 }, { level: 1, index: 1, width: 17 }]);
    expect(level(2)).toEqual([{ level: 2, index: 0, width: 1 }]);
    expect(level(3)).toEqual([]);
    expect(partialTilesOf(70_000).map(tilePath)).toEqual(['tile/0/273.p/112', 'tile/1/001.p/17', 'tile/2/000.p/1']);
    expect(tilesOf(256).map(tilePath)).toEqual(['tile/0/000', 'tile/1/000.p/1']);
  });
});

describe('tiles grown by appends give the roots and proofs of RFC 9162', () => {
  const total = 70_001;
  const log = tiledLog(total);
  const leaves = Array.from({ length: total }, (_, i) => data(i));

  test('the stored tiles are exactly the hashes of the tree at each level', () => {
    const level1 = log.blobs.get('1/0')!;
    expect(level1.subarray(0, 32)).toEqual(merkleRoot(leaves.slice(0, 256)));
    expect(level1.subarray(32 * 255, 32 * 256)).toEqual(merkleRoot(leaves.slice(255 * 256, 256 * 256)));
    expect(log.blobs.get('2/0')!).toEqual(merkleRoot(leaves.slice(0, 65_536)));
    expect(log.blobs.get('0/273')!.length).toBe(32 * (total - 273 * 256));
  });

  test.each([1, 2, 3, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537, 70_000, 70_001])('root and frontier at %i', async (size) => {
    const expected = merkleRoot(leaves.slice(0, size));
    expect(await rootFromTiles(size, log.source)).toEqual(expected);
    const frontier = await frontierFromTiles(size, log.source);
    let folded = frontier.at(-1)!;
    for (let j = frontier.length - 2; j >= 0; j--) folded = nodeHash(frontier[j]!, folded);
    expect(folded).toEqual(expected);
    const builder = createTreeBuilder({ size, frontier });
    for (let i = size; i < Math.min(size + 300, total); i++) builder.add32(leaves[i]!);
    expect(builder.root()).toEqual(merkleRoot(leaves.slice(0, Math.min(size + 300, total))));
  });

  test('inclusion proofs equal those cut from the leaves, and verify', async () => {
    for (const [index, size] of [[0, 1], [0, 70_001], [256, 257], [65_536, 70_000], [69_999, 70_000], [12_345, 65_536], [255, 256], [300, 511]] as const) {
      const proof = await inclusionFromTiles(index, size, log.source);
      expect(proof).toEqual(inclusionProof(index, leaves.slice(0, size)));
      expect(verifyInclusion({ leafHash: leafHash(leaves[index]!), index, treeSize: size, proof, root: merkleRoot(leaves.slice(0, size)) })).toBe(true);
      expect(await leafHashFromTiles(index, size, log.source)).toEqual(leafHash(leaves[index]!));
    }
  });

  test('consistency proofs equal RFC 9162 SUBPROOF, and verify', async () => {
    const small = leaves.slice(0, 600);
    for (let m = 1; m <= 40; m++) for (const n of [m, m + 1, 64, 257, 600]) {
      if (n < m) continue;
      const proof = await consistencyFromTiles(m, n, log.source);
      expect(proof).toEqual(m === n ? [] : referenceConsistency(m, small.slice(0, n)));
      if (m < n) expect(verifyConsistency({ size1: m, size2: n, root1: merkleRoot(small.slice(0, m)), root2: merkleRoot(small.slice(0, n)), proof })).toBe(true);
    }
    for (const [m, n] of [[256, 65_536], [257, 70_001], [65_535, 65_537], [4, 70_000]] as const) {
      const proof = await consistencyFromTiles(m, n, log.source);
      expect(verifyConsistency({ size1: m, size2: n, root1: merkleRoot(leaves.slice(0, m)), root2: merkleRoot(leaves.slice(0, n)), proof })).toBe(true);
    }
    expect(await consistencyFromTiles(0, 10, log.source)).toEqual([]);
    expect(consistencyRanges(4, 8)).toEqual([[4, 8]]);
  });

  test('a proof in a log of 70,001 reads one batch of at most four tiles', async () => {
    log.reads.length = 0;
    await inclusionFromTiles(12_345, 70_001, log.source);
    expect(log.reads).toHaveLength(1);
    expect(log.reads[0]!.length).toBeLessThanOrEqual(4);
  });

  test('trees beyond 2^32 entries split where RFC 9162 says, up to 2^53 − 1', async () => {
    // RFC 9162 §2.1.3.1 and §2.1.4.1 written plainly with BigInt: k is the largest power of two below n.
    const split = (n: bigint) => {
      let k = 1n;
      while (k * 2n < n) k *= 2n;
      return k;
    };
    const path = (m: bigint, lo: bigint, hi: bigint): [number, number][] => {
      if (hi - lo <= 1n) return [];
      const k = split(hi - lo);
      return m < k ? [...path(m, lo, lo + k), [Number(lo + k), Number(hi)]] : [...path(m - k, lo + k, hi), [Number(lo), Number(lo + k)]];
    };
    const subproof = (m: bigint, lo: bigint, hi: bigint, b: boolean): [number, number][] => {
      if (m === hi - lo) return b ? [] : [[Number(lo), Number(hi)]];
      const k = split(hi - lo);
      return m <= k ? [...subproof(m, lo, lo + k, b), [Number(lo + k), Number(hi)]] : [...subproof(m - k, lo + k, hi, false), [Number(lo), Number(lo + k)]];
    };
    for (const size of [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 33 + 3, 2 ** 40 + 12_345, 2 ** 53 - 1]) {
      for (const index of [0, 1, Math.floor(size / 2), 2 ** 32 - 1, size - 2, size - 1].filter((i) => i < size)) {
        expect(inclusionRanges(index, size)).toEqual(path(BigInt(index), 0n, BigInt(size)));
      }
      for (const m of [1, 2 ** 31 + 3, 2 ** 32, size - 1].filter((m) => m <= size)) expect(consistencyRanges(m, size)).toEqual(subproof(BigInt(m), 0n, BigInt(size), true));
    }
    // And a proof cut from tiles has one hash per range there: any bytes do, the hashing is tested above.
    const anyTiles: TileSource = { read: async (refs) => refs.map((ref) => new Uint8Array(32 * ref.width).fill(ref.index % 251)) };
    const size = 2 ** 40 + 12_345;
    expect(await inclusionFromTiles(2 ** 39 + 777, size, anyTiles)).toHaveLength(inclusionRanges(2 ** 39 + 777, size).length);
    expect(await consistencyFromTiles(2 ** 33 + 1, size, anyTiles)).toHaveLength(consistencyRanges(2 ** 33 + 1, size).length);
  });

  test('bad arguments are typed errors', async () => {
    await expect(inclusionFromTiles(5, 5, log.source)).rejects.toMatchObject({ code: 'ERR_PROOF_INVALID' });
    await expect(consistencyFromTiles(6, 5, log.source)).rejects.toMatchObject({ code: 'ERR_PROOF_INVALID' });
    const short: TileSource = { read: async (refs) => refs.map(() => new Uint8Array(31)) };
    await expect(rootFromTiles(3, short)).rejects.toMatchObject({ code: 'ERR_TILE_INVALID' });
    expect(() => appendLeafHashes(300, [], new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'ERR_TILE_INVALID' }));
    expect(() => createTreeBuilder({ size: 3, frontier: [new Uint8Array(32)] })).toThrow(expect.objectContaining({ code: 'ERR_PROOF_INVALID' }));
  });
});

describe('what the proofs return is the caller\'s', () => {
  test('the root of the empty tree is a fresh array each time: changing one changes no later answer', async () => {
    const source: TileSource = { read: async (refs) => refs.map(() => new Uint8Array(0)) };
    const first = await rootFromTiles(0, source);
    expect(first).toEqual(sha256(new Uint8Array(0)));
    first.fill(0);
    expect(await rootFromTiles(0, source)).toEqual(sha256(new Uint8Array(0)));
  });
});

describe('hashed tiles kept beside their bytes', () => {
  test('a source that hands out the same tile objects, longer than asked, proves the same at every size', async () => {
    const total = 70_000;
    const { blobs } = tiledLog(total);
    // As a cache does: the very same object each time, whatever width is asked (a full tile serves its prefixes).
    const source: TileSource = { read: async (refs) => refs.map((r) => blobs.get(`${r.level}/${r.index}`)!) };
    const leaves = Array.from({ length: total }, (_, i) => data(i));
    // Growing sizes: a tile first hashed at a small width is hashed again when a larger width is asked.
    for (const size of [1, 3, 100, 255, 256, 257, 600, 65_535, 65_536, 65_537, total]) {
      for (const index of new Set([0, size >> 1, size - 1])) {
        expect(await inclusionFromTiles(index, size, source)).toEqual(inclusionProof(index, leaves.slice(0, size)));
      }
      expect(await rootFromTiles(size, source)).toEqual(merkleRoot(leaves.slice(0, size)));
    }
  });
});
