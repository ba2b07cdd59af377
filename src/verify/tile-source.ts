/**
 * Tiles over HTTP (C2SP tlog-tiles, PROTOCOL.md §5), for a client that holds
 * only a log's URL prefix: a static mirror or the server's `/tile/` (root log,
 * public) or `/logs/<tenant>/tile/` (a tenant log, read scope). Tiles are
 * immutable, so they are cached; a partial tile that is gone (a log MAY delete
 * it once the full tile exists) is read from the full one. Nothing fetched is
 * trusted: every proof read from tiles is verified against a signed root.
 */
import { AegisLogError } from '../protocol/index.js';
import type { TileSource } from '../tlog/tile-proofs.js';
import { TILE_BYTES, TILE_WIDTH, tilePath, type TileRef } from '../tlog/tiles.js';
import { cacheUntilFailed } from './cache-until-failed.js';

export interface FetchTileSourceOptions {
  /** The fetch to use (default: the global one); e.g. one that adds an API key for tenant logs. */
  fetch?: typeof fetch;
  /** Headers sent with every tile request (`X-Api-Key` for a tenant log). */
  headers?: Record<string, string>;
  /** Tiles kept in memory (default 256, 2 MiB of full tiles; a whole number ≥ 0). */
  cacheSize?: number;
}

/** A TileSource reading `<prefix>/tile/<L>/<N>[.p/<W>]` with fetch. */
export function fetchTileSource(prefix: string | URL, options: FetchTileSourceOptions = {}): TileSource {
  options ??= {}; // null from JS callers: no options, as importPublicKey reads them
  // A URL by its href, not instanceof: one from another realm (an edge runtime's VM) fails instanceof.
  if (typeof prefix !== 'string' && typeof (prefix as { href?: unknown } | null)?.href !== 'string') throw new AegisLogError('ERR_CONFIG', "prefix must be the log's URL, as text or a URL", { field: 'prefix' });
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new AegisLogError('ERR_CONFIG', 'fetch must be a function', { field: 'fetch' });
  const base = String(prefix).replace(/\/+$/, '');
  const get = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const limit = options.cacheSize ?? 256;
  // NaN (an unset variable read as a number) would never evict: every comparison with it is false.
  if (!(Number.isSafeInteger(limit) && limit >= 0)) throw new AegisLogError('ERR_CONFIG', 'cacheSize must be a whole number of tiles ≥ 0', { field: 'cacheSize' });
  const cache = new Map<string, Promise<Uint8Array>>();

  const load = async (tile: TileRef): Promise<Uint8Array> => {
    const bytes = await fetchTile(tile, true);
    if (bytes) return bytes;
    // The partial tile is gone: its hashes are the first ones of the full tile.
    const full = await fetchTile({ ...tile, width: TILE_WIDTH }, false);
    return full!.subarray(0, 32 * tile.width);
  };

  const fetchTile = async (tile: TileRef, missingOk: boolean): Promise<Uint8Array | undefined> => {
    const url = `${base}/${tilePath(tile)}`;
    let response: Response;
    try {
      response = await get(url, { headers: options.headers ?? {} });
    } catch (cause) {
      throw new AegisLogError('ERR_NETWORK', `cannot fetch ${url}: ${(cause as Error).message}`, { cause });
    }
    if (response.status === 404 && missingOk && tile.width < TILE_WIDTH) return undefined;
    if (!response.ok) throw new AegisLogError('ERR_TILE_INVALID', `${url} answered ${response.status}`, { field: 'tile' });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const expected = tile.width === TILE_WIDTH ? TILE_BYTES : 32 * tile.width;
    if (bytes.length !== expected) throw new AegisLogError('ERR_TILE_INVALID', `${url} has ${bytes.length} bytes, not ${expected}`, { field: 'tile' });
    return bytes;
  };

  return {
    read(tiles) {
      return Promise.all(
        tiles.map((tile) => {
          const key = tilePath(tile);
          let entry = cache.get(key);
          if (!entry) {
            if (cache.size >= limit) cache.delete(cache.keys().next().value!);
            entry = cacheUntilFailed(cache, key, load(tile)); // a failed read is tried again next time
          }
          return entry;
        }),
      );
    },
  };
}
