/**
 * Growing a log's tiles (C2SP tlog-tiles) as entries are appended: only the
 * right edge of the tree changes, one partial tile per level, so an append of k
 * leaves to a log of n touches O(k/256 + log n) tiles and never reads the rest.
 * A tile that fills up is hashed into the level above (a partial tile never is).
 */
import { AegisLogError } from '../protocol/index.js';
import { perfectRoot } from './tile-proofs.js';
import { INNER_WIDTH, TILE_BYTES, TILE_WIDTH, hashesAtLevel, innerTileOf, partialTilesOf, type TileRef } from './tiles.js';

export interface TileWrite {
  /** The tile as it now is: full (width 256), or the partial tile at its new width. */
  tile: TileRef & { level: number };
  /** Its `32 · width` bytes. A partial tile's bytes are a prefix of every later state of that tile. */
  bytes: Uint8Array;
}

export interface AppendResult {
  size: number;
  /** Every tile the append filled or grew, each once, in its final state. */
  writes: TileWrite[];
  /** The inner nodes of every tile the append filled (see `innerTileOf`), for a store to keep beside them. */
  inner: TileWrite[];
}

/**
 * Appends leaf hashes (32 bytes each, concatenated) to a tree of `size` whose
 * partial tiles are `edge` (`edge[level]`: that level's partial tile, empty when
 * the level has none; as `partialTilesOf(size)` lists them). Pure: the caller
 * reads the edge and writes the result in one transaction.
 */
export function appendLeafHashes(size: number, edge: readonly (Uint8Array | undefined)[], leafHashes: Uint8Array): AppendResult {
  if (leafHashes.length % 32 !== 0) throw new AegisLogError('ERR_HASH_LENGTH', 'leaf hashes must be 32 bytes each', { field: 'leafHashes' });
  const levels: { index: number; bytes: Uint8Array; width: number; changed: boolean }[] = [];
  const levelAt = (level: number) => {
    while (levels.length <= level) {
      const l = levels.length;
      const count = hashesAtLevel(size, l);
      const width = count % TILE_WIDTH;
      const given = edge[l] ?? new Uint8Array(0);
      if (given.length < 32 * width) {
        throw new AegisLogError('ERR_TILE_INVALID', `the level-${l} edge tile of a tree of ${size} must hold ${width} hashes, not ${given.length / 32}`);
      }
      const bytes = new Uint8Array(TILE_BYTES);
      bytes.set(given.subarray(0, 32 * width));
      levels.push({ index: Math.floor(count / TILE_WIDTH), bytes, width, changed: false });
    }
    return levels[level]!;
  };
  const writes: TileWrite[] = [];
  const inner: TileWrite[] = [];
  const push = (level: number, hash: Uint8Array) => {
    const at = levelAt(level);
    at.bytes.set(hash, 32 * at.width++);
    at.changed = true;
    if (at.width < TILE_WIDTH) return;
    writes.push({ tile: { level, index: at.index, width: TILE_WIDTH }, bytes: at.bytes.slice() });
    // The tile's root through its inner nodes: the same 255 node hashes as hashing it whole.
    const nodes = new Uint8Array(32 * INNER_WIDTH);
    const group = TILE_WIDTH / INNER_WIDTH;
    for (let i = 0; i < INNER_WIDTH; i++) nodes.set(perfectRoot(at.bytes, i * group, group), 32 * i);
    inner.push({ tile: innerTileOf({ level, index: at.index }), bytes: nodes });
    const root = perfectRoot(nodes, 0, INNER_WIDTH);
    at.index++;
    at.width = 0;
    at.changed = false;
    push(level + 1, root);
  };
  for (let at = 0; at < leafHashes.length; at += 32) push(0, leafHashes.subarray(at, at + 32));
  levels.forEach((at, level) => {
    if (at.changed) writes.push({ tile: { level, index: at.index, width: at.width }, bytes: at.bytes.slice(0, 32 * at.width) });
  });
  return { size: size + leafHashes.length / 32, writes, inner };
}

/** The tiles `appendLeafHashes` needs as its edge for a tree of `size`. */
export function edgeTilesOf(size: number): (TileRef & { level: number })[] {
  return partialTilesOf(size) as (TileRef & { level: number })[];
}

/**
 * `appendLeafHashes` a slice of `slice` leaves at a time, awaiting `pause()` between slices: the same result
 * (every tile once, in its final state), without hashing a large append in one synchronous run. A seal of
 * 100,000 tenant heads hashed its root-log tiles in one run of 50–65 ms, a stall of every request meanwhile.
 */
export async function appendLeafHashesInSlices(
  size: number,
  edge: readonly (Uint8Array | undefined)[],
  leafHashes: Uint8Array,
  slice: number,
  pause: () => Promise<void>,
): Promise<AppendResult> {
  if (!Number.isSafeInteger(slice) || slice < 1) throw new AegisLogError('ERR_CONFIG', 'slice must be a whole number of leaves ≥ 1', { field: 'slice' });
  if (leafHashes.length % 32 !== 0) throw new AegisLogError('ERR_HASH_LENGTH', 'leaf hashes must be 32 bytes each', { field: 'leafHashes' });
  // A later slice's state of a tile replaces an earlier one's: keyed by tile, kept in the order last written.
  const writes = new Map<string, TileWrite>();
  const inner: TileWrite[] = [];
  const edgeNow = [...edge];
  let at = size;
  for (let from = 0; from < leafHashes.length; from += 32 * slice) {
    if (from > 0) await pause();
    const step = appendLeafHashes(at, edgeNow, leafHashes.subarray(from, from + 32 * slice));
    for (const w of step.writes) {
      const key = `${w.tile.level}/${w.tile.index}`;
      writes.delete(key);
      writes.set(key, w);
      // The level's partial tile is the next slice's edge; a level whose tile filled has none (width 0: unread).
      if (w.tile.width < TILE_WIDTH) edgeNow[w.tile.level] = w.bytes;
    }
    inner.push(...step.inner);
    at = step.size;
  }
  return { size: at, writes: [...writes.values()], inner };
}
