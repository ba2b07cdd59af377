/**
 * RFC 9162 roots and proofs read from C2SP tiles (PROTOCOL.md §5), in the way of
 * Go's sumdb/tlog: every hash a proof needs is the root of a range of leaves, every
 * such range is a run of perfect subtrees, and a perfect subtree of height h is
 * 2^(h mod 8) consecutive hashes of one tile at level ⌊h/8⌋. So a proof reads
 * O(log n) tiles, whatever the size of the log, and a static copy of the tiles
 * proves as much as the server.
 *
 * Each function first lists the tiles it needs, reads them all in one call to the
 * source, then hashes: a source may batch, cache or fetch them in parallel.
 */
import { AegisLogError } from '../protocol/index.js';
import { floorLog2, splitPoint } from './merkle.js';
import { bytesToWords, nodeWords, wordsToBytes } from './sha256-tree.js';
import { INNER_WIDTH, TILE_HEIGHT, TILE_WIDTH, tileAt, tilePath, type TileRef } from './tiles.js';
import { IN, treeWasm } from './wasm/engine.js';

/** Where tiles come from: a store, a cache, or `fetch` of a static mirror. Each answer holds at least `width` hashes. */
export interface TileSource {
  read(tiles: readonly TileRef[]): Promise<Uint8Array[]>;
}

/** A range of leaves [lo, hi) whose root a proof carries. */
export type LeafRange = readonly [lo: number, hi: number];

/** A perfect subtree: 2^height leaves starting at index · 2^height. */
interface Subtree {
  height: number;
  index: number;
}

/** MTH of the first `size` leaves. */
export async function rootFromTiles(size: number, source: TileSource): Promise<Uint8Array> {
  checkCount(size, 'size');
  if (size === 0) return EMPTY_ROOT.slice(); // a copy: the caller may change what it is given
  const [root] = await rangeRoots(size, [[0, size]], source);
  return root!;
}

/** The frontier at `size`: roots of the perfect subtrees of its binary decomposition, largest first (§5). */
export async function frontierFromTiles(size: number, source: TileSource): Promise<Uint8Array[]> {
  checkCount(size, 'size');
  return subtreeHashes(size, subtreesOf(0, size), source);
}

/** The leaf hash at `index` (level 0 of the tiles). */
export async function leafHashFromTiles(index: number, size: number, source: TileSource): Promise<Uint8Array> {
  checkIndex(index, size);
  const [hash] = await rangeRoots(size, [[index, index + 1]], source);
  return hash!;
}

/** RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of `size`. */
export async function inclusionFromTiles(index: number, size: number, source: TileSource): Promise<Uint8Array[]> {
  checkIndex(index, size);
  return rangeRoots(size, inclusionRanges(index, size), source);
}

/** RFC 9162 §2.1.4.1 consistency proof from size `m` to size `n` (empty when m is 0 or m = n). */
export async function consistencyFromTiles(m: number, n: number, source: TileSource): Promise<Uint8Array[]> {
  checkCount(m, 'm');
  checkCount(n, 'n');
  if (m > n) throw new AegisLogError('ERR_PROOF_INVALID', `no consistency proof from ${m} to the smaller ${n}`, { field: 'm' });
  if (m === 0 || m === n) return [];
  return rangeRoots(n, consistencyRanges(m, n), source);
}

/** The ranges whose roots make the inclusion path of leaf `index`, leaf end first: PATH(m, D[lo:hi]). */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  const ranges: LeafRange[] = [];
  let [lo, hi] = [0, size];
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      lo += k;
    }
  }
  return ranges.reverse();
}

/** The ranges whose roots make the consistency proof from m to n: SUBPROOF(m, D[0:n], true), in proof order. */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  const ranges: LeafRange[] = [];
  let [lo, hi, b] = [0, n, true];
  // Each step keeps one side and records the root of the other; the walk ends on the old tree itself.
  while (m !== hi - lo) {
    const k = splitPoint(hi - lo);
    if (m <= k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      m -= k;
      lo += k;
      b = false;
    }
  }
  if (!b) ranges.push([lo, hi]);
  return ranges.reverse();
}

/** Roots of leaf ranges of the tree of `size`, each folded from its perfect subtrees. */
export async function rangeRoots(size: number, ranges: readonly LeafRange[], source: TileSource): Promise<Uint8Array[]> {
  const runs = ranges.map(([lo, hi]) => subtreesOf(lo, hi));
  const hashes = await subtreeHashes(size, runs.flat(), source);
  let end = 0;
  return runs.map((run) => {
    const start = end;
    end += run.length;
    let root = hashes[end - 1]!;
    for (let j = end - 2; j >= start; j--) root = node(hashes[j]!, root);
    return root;
  });
}

/**
 * The perfect subtrees of [lo, hi), largest first. Ranges of an RFC 9162 tree start
 * at a multiple of their largest power of two, so each subtree is aligned.
 */
function subtreesOf(lo: number, hi: number): Subtree[] {
  const out: Subtree[] = [];
  for (let at = lo; at < hi; ) {
    const height = floorLog2(hi - at);
    const leaves = 2 ** height;
    out.push({ height, index: at / leaves });
    at += leaves;
  }
  return out;
}

/**
 * Hashes of perfect subtrees of the tree of `size`, in the order given, read from the tiles that hold them.
 * A proof needs a handful of tiles: they are told apart by a scan, not by keys made of strings (a proof's
 * bookkeeping cost more than its hashing when it did).
 */
async function subtreeHashes(size: number, subtrees: readonly Subtree[], source: TileSource): Promise<Uint8Array[]> {
  const refs: TileRef[] = [];
  /** Per subtree: its tile (in refs), the place of its first hash there, and how many hashes it spans. */
  const places: { tile: number; first: number; count: number }[] = [];
  for (const { height, index } of subtrees) {
    const level = Math.floor(height / TILE_HEIGHT);
    const count = 2 ** (height - level * TILE_HEIGHT);
    const first = index * count;
    const tile = tileAt(size, level, first + count - 1);
    if (!tile) throw new AegisLogError('ERR_PROOF_INVALID', `a tree of ${size} has no subtree of height ${height} at ${index}`);
    let at = refs.findIndex((r) => r.level === tile.level && r.index === tile.index);
    if (at < 0) at = refs.push(tile) - 1;
    places.push({ tile: at, first: first - tile.index * TILE_WIDTH, count });
  }
  if (typeof (source as Partial<TileSource> | null | undefined)?.read !== 'function') {
    throw new AegisLogError('ERR_CONFIG', 'the tile source must have a read(tiles) function', { field: 'source' });
  }
  const bytes = await source.read(refs);
  if (!Array.isArray(bytes)) throw new AegisLogError('ERR_TILE_INVALID', 'the tile source answered something other than an array of tiles', { field: 'source' });
  refs.forEach((tile, i) => {
    const data = bytes[i];
    if (!(data instanceof Uint8Array) || data.length < 32 * tile.width) {
      throw new AegisLogError('ERR_TILE_INVALID', `${tilePath(tile)} is missing or shorter than ${tile.width} hashes`, { field: 'source' });
    }
  });
  const out = places.map(({ tile, first, count }) => cachedRoot(bytes[tile]!, refs[tile]!.width, first, count));
  // A later proof from these bytes (a cache kept them) keeps what it hashes (see groupedRoot).
  for (const data of bytes) {
    const inner = innerOf.get(data!);
    if (inner) inner.served = true;
  }
  return out;
}

/**
 * Root of the perfect tree over `count` (a power of two, at most a tile's 256) consecutive hashes of a
 * tile: the top of their tree, hashed as `tileTree` hashes a tile (in WebAssembly where the runtime has
 * it: a first proof into a tile of a large log hashes two trees of 16, 5.5 µs each against 12.9 in
 * JavaScript).
 */
export function perfectRoot(tile: Uint8Array, first: number, count: number): Uint8Array {
  if (count === 1) return new Uint8Array(tile.subarray(32 * first, 32 * first + 32)); // a copy, and a plain Uint8Array even from a Node Buffer
  return nodeOf(tileTree(tile.subarray(32 * first, 32 * (first + count)), count), 0, count);
}

/**
 * `perfectRoot` for a tile of `width` hashes, whose bytes never change: the tile is
 * hashed whole once (its width − 1 interior nodes, about what one proof into it
 * costs anyway) and the nodes kept beside the very bytes object. The upper tiles
 * that every proof shares, and any tile a cache holds, are then never hashed again.
 * A full tile given with its inner nodes is hashed a group at a time instead (`groupedRoot`).
 */
function cachedRoot(tile: Uint8Array, width: number, first: number, count: number): Uint8Array {
  if (count === 1) return perfectRoot(tile, first, count);
  const inner = width === TILE_WIDTH ? innerOf.get(tile) : undefined;
  if (inner) return groupedRoot(tile, inner, first, count);
  let tree = treeOf.get(tile);
  if (!tree || tree.width < width) treeOf.set(tile, (tree = tileTree(tile, width)));
  return nodeOf(tree, first, count);
}

/** Leaf hashes per group of a full tile: one inner node is the root of each. */
const GROUP = TILE_WIDTH / INNER_WIDTH;

/**
 * The root of `count` hashes from `first` of a full tile, from its inner nodes: a proof reads the leaf hashes
 * of its own group only (a whole group is one inner node). The first proof from these bytes hashes just the
 * nodes it needs (at most 15 for each subtree; in a log larger than a server's tile cache most tiles serve
 * one proof); later ones hash the tree of the 16 inner nodes and of each group they reach once, and keep
 * them: 15 node hashes a group, where hashing the whole tile on the second proof cost 255, and 1 KiB a
 * group instead of 16 KiB a tile.
 */
function groupedRoot(tile: Uint8Array, inner: InnerNodes, first: number, count: number): Uint8Array {
  if (!inner.served) return count < GROUP ? perfectRoot(tile, first, count) : perfectRoot(inner.nodes, first / GROUP, count / GROUP);
  if (count >= GROUP) return nodeOf((inner.upper ??= tileTree(inner.nodes, INNER_WIDTH)), first / GROUP, count / GROUP);
  const g = Math.floor(first / GROUP);
  return nodeOf((inner.groups[g] ??= tileTree(tile.subarray(32 * GROUP * g, 32 * GROUP * (g + 1)), GROUP)), first - GROUP * g, count);
}

/** The root of the `count` (a power of two) hashes from `first` of a tree's leaves, which it keeps. */
function nodeOf(tree: TileTree, first: number, count: number): Uint8Array {
  const at = tree.levelStart[Math.log2(count)]! + first / count;
  return tree.bytes ? tree.bytes.slice(32 * at, 32 * at + 32) : wordsToBytes(tree.words!, 8 * at);
}

/** Every perfect subtree root of a tile's first `width` hashes, level by level (the hashes, ⌊width/2⌋ parents, … one), as bytes or words. */
interface TileTree {
  width: number;
  levelStart: number[];
  bytes?: Uint8Array;
  words?: Int32Array;
}

/** The hashed trees of tiles, by the tile's bytes object (dropped with it). */
const treeOf = new WeakMap<Uint8Array, TileTree>();

/**
 * The inner nodes a source gave with a full tile (see `withInnerNodes`), whether they served a proof yet, and
 * the hashed trees of the nodes and of the groups that later proofs reached.
 */
interface InnerNodes {
  nodes: Uint8Array;
  served: boolean;
  upper?: TileTree;
  groups: (TileTree | undefined)[];
}

/** The inner nodes of full tiles, by the tile's bytes object (dropped with it). */
const innerOf = new WeakMap<Uint8Array, InnerNodes>();

/**
 * Gives a full tile's inner nodes (`innerTileOf`: 16 hashes, the roots of its groups of 16), as a server
 * stores them, to every proof cut from these very tile bytes. They are trusted as the tile itself is: the
 * tile's source vouches for both. Returns the tile.
 */
export function withInnerNodes(tile: Uint8Array, nodes: Uint8Array): Uint8Array {
  if (nodes.length >= 32 * INNER_WIDTH) innerOf.set(tile, { nodes, served: false, groups: [] });
  return tile;
}

function tileTree(tile: Uint8Array, width: number): TileTree {
  const levelStart = [0];
  let total = width;
  for (let w = width; w > 1; w = Math.floor(w / 2)) {
    levelStart.push(total);
    total += Math.floor(w / 2);
  }
  // A cold level-0 tile costs 255 node hashes per proof: WebAssembly hashes them four at a time.
  const wasm = treeWasm();
  if (wasm) {
    wasm.memory.set(tile.subarray(0, 32 * width), IN);
    for (let level = 0, w = width; w > 1; level++, w = Math.floor(w / 2)) wasm.parents(IN + 32 * levelStart[level]!, w, IN + 32 * levelStart[level + 1]!);
    return { width, levelStart, bytes: wasm.memory.slice(IN, IN + 32 * total) };
  }
  const words = new Int32Array(8 * total);
  for (let i = 0; i < width; i++) bytesToWords(tile.subarray(32 * i, 32 * i + 32), words, 8 * i);
  for (let level = 0, w = width; w > 1; level++, w = Math.floor(w / 2)) {
    const from = levelStart[level]!;
    const to = levelStart[level + 1]!;
    for (let i = 0; i < Math.floor(w / 2); i++) nodeWords(words, 8 * (from + 2 * i), words, 8 * (from + 2 * i + 1), words, 8 * (to + i));
  }
  return { width, levelStart, words };
}

const EMPTY_ROOT = Uint8Array.from([
  0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
  0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

function node(left: Uint8Array, right: Uint8Array): Uint8Array {
  const words = new Int32Array(16);
  bytesToWords(left, words, 0);
  bytesToWords(right, words, 8);
  nodeWords(words, 0, words, 8, words, 0);
  return wordsToBytes(words, 0);
}

function checkCount(n: number, field: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new AegisLogError('ERR_PROOF_INVALID', `${field} must be a non-negative safe integer`, { field });
}

function checkIndex(index: number, size: number): void {
  checkCount(index, 'index');
  checkCount(size, 'size');
  if (index >= size) throw new AegisLogError('ERR_PROOF_INVALID', `leaf ${index} is outside a tree of ${size}`, { field: 'index' });
}
