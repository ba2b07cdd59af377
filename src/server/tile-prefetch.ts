/**
 * A record's level-0 tile and that tile's inner nodes, read in the same query as
 * the record and kept until the `readTiles` that asks for them: a proof of the
 * leaf reads them next, so /evidence saves a read (for SQLite, a message to a
 * reader thread and back). Only full tiles are kept: a full tile never changes,
 * so a kept one is never stale, even in a store that other processes write. One
 * that nobody asks for (its proof came from the server's tile cache) ages out.
 * PostgreSQL's store does not use it yet: with its tile, the record's query was
 * no faster under load in fleet-bench (docs/server.md).
 */
import { INNER_LEVEL, TILE_WIDTH, type TileRef } from '../tlog/tiles.js';

/** How many tiles wait for their readTiles at most (about 2 MiB); the oldest goes first. */
const KEPT = 256;

export interface TilePrefetch {
  /** Keeps the level-0 tile holding `leafIndex` and its inner nodes, if the tile is full. */
  put(log: string, leafIndex: number, tile: Uint8Array | null | undefined, inner: Uint8Array | null | undefined): void;
  /** Takes the kept tile `ref` of `log` out of the keep; undefined when none is kept. */
  take(log: string, ref: TileRef): Uint8Array | undefined;
}

export function tilePrefetch(): TilePrefetch {
  const kept = new Map<string, Uint8Array>();
  const key = (log: string, level: number | 'entries', index: number) => `${log}\u0000${level}/${index}`;
  const keep = (at: string, data: Uint8Array) => {
    if (kept.size >= KEPT) kept.delete(kept.keys().next().value!);
    kept.set(at, data);
  };
  return {
    put(log, leafIndex, tile, inner) {
      if (!tile || tile.length !== 32 * TILE_WIDTH) return;
      const index = Math.floor(leafIndex / TILE_WIDTH); // not `>> 8`: a leaf index may pass 2^31
      keep(key(log, 0, index), tile);
      if (inner) keep(key(log, INNER_LEVEL, index), inner);
    },
    take(log, ref) {
      const at = key(log, ref.level, ref.index);
      const data = kept.get(at);
      if (data) kept.delete(at);
      return data;
    },
  };
}
