/**
 * A record's level-0 tile and that tile's inner nodes, read in the same query as
 * the record and kept until the `readTiles` that asks for them: a proof of the
 * leaf reads them next, so /evidence saves a read (for SQLite, a message to a
 * reader thread and back). Only full tiles are kept: a full tile never changes,
 * so a kept one is never stale, even in a store that other processes write. One
 * that nobody asks for (its proof came from the server's tile cache) ages out.
 * PostgreSQL's store does not use it yet: with its tile, the record's query was
 * no faster under load in fleet-bench (docs/server.md).
 *
 * When the server's tile cache holds the tiles already (a log whose tiles fit it),
 * a tile brought with its record is never asked for, and reading and sending it cost
 * a log of 10^6 entries about 50 µs of CPU a bundle. So records bring their tiles
 * only while proofs ask the store for level-0 tiles (`wanted`), judged per log: a
 * server with one log of 10^7 entries and many small ones needs the tiles of the
 * first and not those of the others.
 */
import { INNER_LEVEL, TILE_BYTES, TILE_WIDTH, innerTileOf, type TileRef } from '../tlog/tiles.js';
import { LruCache } from './lru-cache.js';
import { tileKey } from './tile-source.js';

/** How many tiles wait for their readTiles at most (about 2 MiB); the oldest goes first. */
const KEPT = 256;
/**
 * Record reads per judgement of `wanted`, and how many of them must have needed a level-0 tile for it to hold:
 * a tile that was not brought costs its proof one more message to a thread, and one brought for nothing the
 * read and the copy of 8 KiB, about as much. In a log of 10^6 entries the tiles of 20,000 random bundles
 * were needed by a fifth of them, in one of 10^7 by nine tenths.
 */
const WINDOW = 64;
const NEEDED = WINDOW / 2;
/** Logs whose windows are kept (about 100 KiB); one not read for as long as this many others starts over. */
const LOGS = 1024;

/** One log's window: whether its records bring their tiles now, its record reads so far, and the full level-0 tiles asked after them. */
interface Window {
  bring: boolean;
  reads: number;
  needed: number;
}

export interface TilePrefetch {
  /** Keeps the level-0 tile holding `leafIndex` and its inner nodes, if the tile is full. */
  put(log: string, leafIndex: number, tile: Uint8Array | null | undefined, inner: Uint8Array | null | undefined): void;
  /** Takes the kept tile `ref` of `log` out of the keep; undefined when none is kept. */
  take(log: string, ref: TileRef): Uint8Array | undefined;
  /**
   * Whether the record read of `log` about to start should bring its tile: yes while at least half of
   * that log's last 64 record reads were followed by a proof that asked the store for one of its full
   * level-0 tiles (kept or not). A log not read lately starts with yes.
   */
  wanted(log: string): boolean;
}

export function tilePrefetch(): TilePrefetch {
  // Each tile is taken once, so least recently used is oldest put.
  const kept = new LruCache<Uint8Array>(KEPT);
  const windows = new LruCache<Window>(LOGS);
  return {
    put(log, leafIndex, tile, inner) {
      if (!tile || tile.length !== TILE_BYTES) return;
      const ref = { level: 0, index: Math.floor(leafIndex / TILE_WIDTH), width: TILE_WIDTH }; // not `>> 8`: a leaf index may pass 2^31
      kept.set(tileKey(log, ref), tile);
      if (inner) kept.set(tileKey(log, innerTileOf(ref)), inner);
    },
    take(log, ref) {
      // Only level-0 tiles and their inner nodes are kept: the upper tiles of a proof need no key.
      if (ref.level === 0 && ref.width === TILE_WIDTH) {
        // A log with no record read lately (a seal, a consistency proof) has no window to count in.
        const seen = windows.get(log);
        if (seen) seen.needed++;
      }
      return ref.level === 0 || ref.level === INNER_LEVEL ? kept.take(tileKey(log, ref)) : undefined;
    },
    wanted(log) {
      let seen = windows.get(log);
      if (!seen) windows.set(log, (seen = { bring: true, reads: 0, needed: 0 }));
      if (++seen.reads > WINDOW) (seen.bring = seen.needed >= NEEDED), (seen.reads = 1), (seen.needed = 0);
      return seen.bring;
    },
  };
}
