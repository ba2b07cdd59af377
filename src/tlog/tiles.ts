/**
 * C2SP tlog-tiles geometry: which tiles a tree of a given size has, and their
 * paths. A tile at level L holds up to 256 consecutive hashes of the tree at
 * height 8·L (level 0: leaf hashes); `.p/<W>` names a partial tile of W hashes.
 * Entry bundles (`tile/entries/<N>`) follow level 0.
 */
import { AegisLogError } from '../protocol/index.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** Bytes of a full tile. */
export const TILE_BYTES = TILE_WIDTH * 32;

/**
 * A full tile's inner nodes, which a server keeps beside the tile: the roots of its 16 groups of 16 hashes
 * (height 4 within the tile). A proof into a cold tile then hashes at most 15 nodes per subtree instead of
 * the tile's 255. Not a C2SP tile and never served: it is stored at level INNER_LEVEL + the tile's level,
 * and tile paths end at level 63.
 */
export const INNER_WIDTH = 16;
export const INNER_LEVEL = 64;

/** Where the inner nodes of a full tile are stored. */
export function innerTileOf(tile: { level: number; index: number }): TileRef & { level: number } {
  return { level: INNER_LEVEL + tile.level, index: tile.index, width: INNER_WIDTH };
}

/** A tile of hashes (`level` ≥ 0) or an entry bundle (`level` = 'entries'), `width` 1..256 (256: full). */
export interface TileRef {
  level: number | 'entries';
  index: number;
  width: number;
}

/** 256^level as a float: exact far beyond any tree size (2^53). */
function span(level: number): number {
  return TILE_WIDTH ** level;
}

/** Hashes at tile level `level` of a tree of `size`: complete subtrees of 256^level leaves. */
export function hashesAtLevel(size: number, level: number): number {
  return Math.floor(size / span(level));
}

/**
 * The tile at `level` holding position `position` of that level, as a tree of
 * `size` has it: full when the tile is complete, else partial at the width the
 * size gives. Undefined when the tree has no hash at that position yet.
 */
export function tileAt(size: number, level: number, position: number): TileRef | undefined {
  const count = hashesAtLevel(size, level);
  if (position >= count) return undefined;
  const index = Math.floor(position / TILE_WIDTH);
  const width = Math.min(TILE_WIDTH, count - index * TILE_WIDTH);
  return { level, index, width };
}

/** Every tile of a tree of `size` (full and partial, level 0 up), as tlog-tiles lists them. */
export function tilesOf(size: number): TileRef[] {
  const tiles: TileRef[] = [];
  for (let level = 0; hashesAtLevel(size, level) > 0; level++) {
    const count = hashesAtLevel(size, level);
    for (let index = 0; index * TILE_WIDTH < count; index++) tiles.push({ level, index, width: Math.min(TILE_WIDTH, count - index * TILE_WIDTH) });
  }
  return tiles;
}

/** The partial tiles of a tree of `size`, one per level that has one: what a checkpoint of that size requires to exist. */
export function partialTilesOf(size: number): TileRef[] {
  const tiles: TileRef[] = [];
  for (let level = 0; hashesAtLevel(size, level) > 0; level++) {
    const count = hashesAtLevel(size, level);
    const width = count % TILE_WIDTH;
    if (width > 0) tiles.push({ level, index: Math.floor(count / TILE_WIDTH), width });
  }
  return tiles;
}

/**
 * `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, N in zero-padded 3-digit elements, all but the last `x`-prefixed.
 * Throws `ERR_TILE_INVALID` naming the field for a level not 0..63 or `entries`, an index not a safe integer ≥ 0, or a width not 1..256.
 */
export function tilePath(tile: TileRef): string {
  if (typeof tile !== 'object' || tile === null) throw badRef('tile', 'a tile must be { level, index, width }');
  if (tile.level !== 'entries' && !(Number.isInteger(tile.level) && tile.level >= 0 && tile.level <= 63)) throw badRef('level', 'a tile level is 0..63 or "entries"');
  if (!Number.isSafeInteger(tile.index) || tile.index < 0) throw badRef('index', 'a tile index is an integer from 0 to 2^53−1');
  if (!Number.isInteger(tile.width) || tile.width < 1 || tile.width > TILE_WIDTH) throw badRef('width', `a tile width is 1..${TILE_WIDTH}`);
  let digits = '';
  let n = tile.index;
  do {
    const group = String(n % 1000).padStart(3, '0');
    digits = digits === '' ? group : `x${group}/${digits}`;
    n = Math.floor(n / 1000);
  } while (n > 0);
  const partial = tile.width === TILE_WIDTH ? '' : `.p/${tile.width}`;
  return `tile/${tile.level}/${digits}${partial}`;
}

const PATH = /^tile\/(0|[1-9][0-9]?|entries)\/((?:x[0-9]{3}\/)*)([0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/**
 * Reads a tile path (relative to the log's prefix). Strict: one spelling per
 * tile, level 0..63, index elements as written by `tilePath` (no superfluous
 * leading `x000/`), width 1..255.
 */
export function parseTilePath(path: string): TileRef {
  if (typeof path !== 'string') throw badRef('path', 'a tile path must be a string');
  const m = PATH.exec(path);
  if (!m) throw badPath(path, 'is not tile/<L>/<N>[.p/<W>]');
  const level = m[1] === 'entries' ? 'entries' : Number(m[1]);
  if (level !== 'entries' && level > 63) throw badPath(path, 'has a level above 63');
  const groups = [...m[2]!.split('/').filter(Boolean).map((g) => g.slice(1)), m[3]!];
  if (groups.length > 1 && groups[0] === '000') throw badPath(path, 'has a leading x000 element');
  if (groups.length > 6) throw badPath(path, 'has an index beyond 2^53');
  const index = groups.reduce((acc, g) => acc * 1000 + Number(g), 0);
  if (!Number.isSafeInteger(index)) throw badPath(path, 'has an index beyond 2^53');
  const width = m[4] === undefined ? TILE_WIDTH : Number(m[4]);
  if (m[4] !== undefined && width >= TILE_WIDTH) throw badPath(path, 'has a partial width of 256 or more');
  return { level, index, width };
}

function badRef(field: string, why: string): AegisLogError {
  return new AegisLogError('ERR_TILE_INVALID', why, { field });
}

function badPath(path: string, why: string): AegisLogError {
  return new AegisLogError('ERR_TILE_INVALID', `tile path "${path.slice(0, 80)}" ${why}`, { field: 'path' });
}

/** Whether a tree of `size` has this tile (a full tile, or the partial one at exactly this width). */
export function tileExists(size: number, tile: TileRef): boolean {
  const level = tile.level === 'entries' ? 0 : tile.level;
  const count = hashesAtLevel(size, level);
  // A partial tile is a prefix of the tile it grows into, so every width up to the size's own is served.
  return tile.index * TILE_WIDTH + tile.width <= count;
}
