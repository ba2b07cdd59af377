/**
 * Tile sources over a store. Tiles never change (a partial one is named by its width), so a small cache of them
 * serves the upper levels of every proof from memory: a proof in a log of 10^7
 * entries then reads one level-0 tile (and the partial edge) from the store.
 */
import { AegisLogError } from '../protocol/index.js';
import type { TileWrite } from '../tlog/tile-append.js';
import { withInnerNodes, type TileSource } from '../tlog/tile-proofs.js';
import { TILE_WIDTH, innerTileOf, type TileRef } from '../tlog/tiles.js';
import { LruCache } from './lru-cache.js';
import type { LogName, Store } from './types.js';

/** A tile's key in a cache. A partial tile of a given width never changes either: its width is part of the key. */
export const tileKey = (log: LogName, ref: TileRef) => `${log}\u0000${ref.level}/${ref.index}/${ref.width}`;

/**
 * Tiles of one log, read from the store. `inner`: full tiles come with their inner nodes (`innerTileOf`), in
 * the same read, so that a proof into a tile no cache holds hashes a few nodes, not the whole tile.
 */
export function storeTiles(store: Store, log: LogName, cache?: TileCache, options: { inner?: boolean } = {}): TileSource {
  return {
    async read(refs) {
      const out: Uint8Array[] = new Array(refs.length);
      const missing: number[] = [];
      refs.forEach((ref, i) => {
        const hit = cache?.get(tileKey(log, ref));
        if (hit) out[i] = hit;
        else missing.push(i);
      });
      if (missing.length > 0) {
        const wanted = missing.map((i) => refs[i]!);
        const read = options.inner ? await readWithInner(store, log, wanted) : await store.readTiles(log, wanted);
        missing.forEach((i, j) => {
          out[i] = read[j]!;
          if (cache && read[j]!.length >= 32 * refs[i]!.width) cache.set(tileKey(log, refs[i]!), read[j]!);
        });
      }
      return out;
    },
  };
}

/**
 * Per store and log, the highest index of a full tile at each level known to have no inner nodes. Tiles fill in
 * index order, so those written before inner nodes were kept are the lowest ones: each is then read alone,
 * not first asked with its inner nodes, refused, and read again.
 */
const withoutInner = new WeakMap<Store, Map<string, number>>();

async function readWithInner(store: Store, log: LogName, refs: TileRef[]): Promise<Uint8Array[]> {
  let known = withoutInner.get(store);
  if (!known) withoutInner.set(store, (known = new Map()));
  const highest = (ref: TileRef) => known.get(`${log}\u0000${ref.level}`) ?? -1;
  const full = refs.filter((r): r is TileRef & { level: number } => r.width === TILE_WIDTH && r.level !== 'entries' && r.index > highest(r));
  if (full.length === 0) return store.readTiles(log, refs);
  let read: Uint8Array[];
  try {
    read = await store.readTiles(log, [...refs, ...full.map(innerTileOf)]);
  } catch (error) {
    // Tiles written before inner nodes were kept have none: the tiles alone (a missing tile throws again).
    const alone = await store.readTiles(log, refs);
    // Only a missing tile says so: a read that failed once (a database hiccup) must not slow every later proof.
    if (error instanceof AegisLogError && error.code === 'ERR_TILE_MISSING') {
      for (const ref of full) known.set(`${log}\u0000${ref.level}`, Math.max(ref.index, highest(ref)));
    }
    return alone;
  }
  const inner = new Map<TileRef, Uint8Array>(full.map((ref, j) => [ref, read[refs.length + j]!]));
  return refs.map((ref, i) => {
    const nodes = inner.get(ref);
    return nodes ? withInnerNodes(read[i]!, nodes) : read[i]!;
  });
}

/** Tiles about to be written, in front of the stored ones (a seal reads its new root before it commits). */
export function overlaySource(writes: readonly TileWrite[], base: TileSource): TileSource {
  const written = new Map<string, Uint8Array>(writes.map((w) => [`${w.tile.level}/${w.tile.index}`, w.bytes]));
  return {
    async read(refs) {
      const missing = refs.filter((r) => !written.has(`${r.level}/${r.index}`));
      const read = missing.length > 0 ? await base.read(missing) : [];
      let j = 0;
      return refs.map((r) => written.get(`${r.level}/${r.index}`) ?? read[j++]!);
    },
  };
}

/** A least-recently-used cache of tiles (8 KiB at most each). */
export class TileCache extends LruCache<Uint8Array> {
  constructor(capacity = 4096) {
    super(capacity);
  }
}
