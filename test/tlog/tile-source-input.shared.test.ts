// rootFromTiles, inclusionFromTiles, consistencyFromTiles and frontierFromTiles are public: a source that is
// no TileSource (no read function) is the caller's mistake, ERR_CONFIG naming it; a read that answers with
// something other than an array of tiles is a bad source, ERR_TILE_INVALID. Never a raw TypeError.
import { describe, expect, it } from 'vitest';
import { consistencyFromTiles, frontierFromTiles, inclusionFromTiles, rootFromTiles, type TileSource } from '../../src/tlog/tile-proofs.js';

const calls = (source: TileSource) => [
  () => rootFromTiles(300, source),
  () => inclusionFromTiles(5, 300, source),
  () => consistencyFromTiles(3, 300, source),
  () => frontierFromTiles(300, source),
];

describe('tile proofs from what is not a tile source', () => {
  for (const [what, source] of [['undefined', undefined], ['an object without read', {}], ['read that is no function', { read: 5 }]] as const) {
    it(`refuse ${what} with ERR_CONFIG`, async () => {
      for (const call of calls(source as unknown as TileSource)) await expect(call()).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'source' });
    });
  }

  for (const [what, answer] of [['undefined', undefined], ['one tile, not an array', new Uint8Array(8192)], ['null', null]] as const) {
    it(`refuse a read that answers ${what} with ERR_TILE_INVALID`, async () => {
      const source = { read: async () => answer as unknown as Uint8Array[] };
      for (const call of calls(source)) await expect(call()).rejects.toMatchObject({ code: 'ERR_TILE_INVALID' });
    });
  }
});
