import { describe, expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import { leafHash } from '../../src/tlog/merkle.js';
import { appendLeafHashes, appendLeafHashesInSlices, edgeTilesOf, type AppendResult } from '../../src/tlog/tile-append.js';

const leaves = (from: number, n: number) => {
  const out = new Uint8Array(32 * n);
  for (let i = 0; i < n; i++) out.set(leafHash(sha256(new TextEncoder().encode(`entry ${from + i}`))), 32 * i);
  return out;
};

/** The edge of a log of `size` leaves, built in one append (its partial tiles, as a store would read them). */
function edgeOf(size: number): Uint8Array[] {
  const edge: Uint8Array[] = [];
  if (size === 0) return edge;
  const built = appendLeafHashes(0, [], leaves(0, size));
  const blobs = new Map(built.writes.map((w) => [`${w.tile.level}/${w.tile.index}`, w.bytes]));
  for (const t of edgeTilesOf(size)) edge[t.level] = blobs.get(`${t.level}/${t.index}`)!.subarray(0, 32 * t.width);
  return edge;
}

const byTile = (r: AppendResult) => ({
  size: r.size,
  writes: new Map(r.writes.map((w) => [`${w.tile.level}/${w.tile.index}/${w.tile.width}`, Buffer.from(w.bytes).toString('hex')])),
  inner: new Map(r.inner.map((w) => [`${w.tile.level}/${w.tile.index}`, Buffer.from(w.bytes).toString('hex')])),
});

describe('appendLeafHashesInSlices', () => {
  // Sizes at and around tile edges of levels 0 and 1; slices that cut tiles anywhere, or never.
  const cases: [size: number, count: number, slice: number][] = [
    [0, 1, 1], [0, 256, 1], [0, 257, 256], [0, 700, 255], [0, 70_000, 8192], [0, 65_536, 256],
    [1, 600, 3], [255, 2, 1], [256, 256, 100], [300, 66_000, 4096], [65_535, 3, 1], [65_536, 300, 7], [1000, 5, 10_000],
  ];

  test.each(cases)('a log of %i, %i leaves appended %i at a time: the one-run result, every tile once', async (size, count, slice) => {
    const edge = edgeOf(size);
    const hashes = leaves(size, count);
    let pauses = 0;
    const sliced = await appendLeafHashesInSlices(size, edge, hashes, slice, async () => void pauses++);
    const whole = appendLeafHashes(size, edge, hashes);
    expect(byTile(sliced)).toEqual(byTile(whole));
    expect(sliced.writes.length).toBe(whole.writes.length); // no tile twice
    expect(pauses).toBe(Math.ceil(count / slice) - 1);
  });

  test('nothing to append: nothing written, no pause', async () => {
    let pauses = 0;
    const result = await appendLeafHashesInSlices(300, edgeOf(300), new Uint8Array(0), 10, async () => void pauses++);
    expect(result).toEqual({ size: 300, writes: [], inner: [] });
    expect(pauses).toBe(0);
  });

  test('a slice that is not a whole number ≥ 1, or hashes not 32 bytes each, are refused by name', async () => {
    for (const slice of [0, -1, 1.5, Number.NaN]) {
      await expect(appendLeafHashesInSlices(0, [], leaves(0, 2), slice, async () => {})).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'slice' });
    }
    await expect(appendLeafHashesInSlices(0, [], new Uint8Array(33), 4, async () => {})).rejects.toMatchObject({ code: 'ERR_HASH_LENGTH', field: 'leafHashes' });
  });
});
