// A tile source whose read answers no array is refused as ERR_TILE_INVALID naming `source`. One that
// answers an array with a tile missing, or shorter than the width asked, was refused with the same code
// but no `field` at all: a caller reporting `error.field` (the CLI, an audit) had nothing to name. It
// names `source` too: the source answered the bad tile.
import { describe, expect, it } from 'vitest';
import { consistencyFromTiles, frontierFromTiles, inclusionFromTiles, rootFromTiles, type TileSource } from '../../src/tlog/tile-proofs.js';

const calls = (source: TileSource) => [
  () => rootFromTiles(300, source),
  () => inclusionFromTiles(5, 300, source),
  () => consistencyFromTiles(3, 300, source),
  () => frontierFromTiles(300, source),
];

describe('tile proofs from a source that answers a bad tile', () => {
  for (const [what, read] of [
    ['no tiles at all', async () => []],
    ['tiles one byte short', async (refs: readonly { width: number }[]) => refs.map((r) => new Uint8Array(32 * r.width - 1))],
    ['strings instead of bytes', async (refs: readonly unknown[]) => refs.map(() => 'tile')],
  ] as const) {
    it(`refuses ${what} with ERR_TILE_INVALID naming the source`, async () => {
      const source = { read } as unknown as TileSource;
      for (const call of calls(source)) await expect(call()).rejects.toMatchObject({ code: 'ERR_TILE_INVALID', field: 'source' });
    });
  }
});
