/**
 * The logs as C2SP serves them (§5, §6.3, §7): the root log's checkpoint and tiles
 * (public: hashes and counts of heads, never tenant names), a tenant log's tiles
 * (read scope), the checkpoint history with consistency proofs, and the vkeys.
 */
import { AegisLogError } from '../protocol/index.js';
import type { CheckpointHistory, HistoryEntry } from '../protocol/index.js';
import { TILE_WIDTH, parseTilePath, tileExists, type TileRef } from '../tlog/tiles.js';
import type { Context, Handler } from './context.js';
import { consistencyIn } from './evidence.js';
import { logTenant } from './routes-read.js';
import { storeTiles } from './tile-source.js';
import { badRequest, notFound } from '../transport/web-handler.js';
import { jsonAnswer } from './answer.js';
import { countParam } from './query.js';
import { anonymousTurn } from './rate-limit.js';
import { ROOT_LOG, type LogName } from './types.js';

/** At most this many checkpoints per `/checkpoints` answer. */
const HISTORY_PAGE = 1000;

/**
 * Entries (checkpoints of a history page, heads of a root entry bundle) per unit of the anonymous clients'
 * budget (rate-limit.ts `anonymousTurn`), as an export's lines are charged to its key; a consistency proof
 * computed from tiles rather than found in the cache costs PROOF_UNITS.
 */
const ENTRIES_PER_UNIT = 8;
const PROOF_UNITS = 2;

/** `GET /checkpoint`: the latest signed note. Mutable, so cached for seconds only (tlog-tiles). */
export const checkpoint: Handler = async (_request, _url, ctx) => {
  const { note } = await ctx.latestNote();
  return new Response(note, { headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'public, max-age=5' } });
};

/**
 * `GET /checkpoints?from=&to=` (§6.3): entries `[from, to)` by position in the history,
 * each but the first with its consistency proof from the one before it in the answer
 * (an answer is a history file of its own, as the v2 vectors' `history-range` is).
 */
export const checkpoints: Handler = async (request, url, ctx) => {
  // A page costs 120 times a /healthz (its checkpoints read, its proofs, 800 KB of JSON): it waits its turn on the anonymous budget.
  return anonymousTurn(ctx.ring.budget, request.signal, async () => {
    const latest = (await ctx.latestNote()).checkpoint;
    const count = latest ? latest.seq + 1 : 0;
    const from = countParam(url, 'from', 0);
    const asked = countParam(url, 'to', count);
    // Past the history first: without a `to`, the one defaulted to the history's length is no mistake of the caller's.
    if (from > count) throw badRequest(`from ${from} is past the ${count} checkpoints of this log`, 'from');
    if (asked < from) throw badRequest(`to ${asked} is smaller than from ${from}`, 'to');
    const to = Math.min(asked, count, from + HISTORY_PAGE);
    const stored = to > from ? await ctx.store.checkpoints(from, to) : [];
    const entries: HistoryEntry[] = [];
    let proofs = 0;
    for (const [i, c] of stored.entries()) {
      const { seq: _, ...fields } = c;
      const entry: HistoryEntry = fields;
      const before = i > 0 ? stored[i - 1] : undefined;
      if (before) entry.consistency_b64url = await consistencyIn(ctx, before.tree_size, c.tree_size, { computed: () => proofs++ });
      entries.push(entry);
    }
    const history: CheckpointHistory = { v: 2, origin: ctx.origin, checkpoints: entries };
    return { answer: jsonAnswer(200, history, { 'cache-control': 'public, max-age=5' }), units: 1 + stored.length / ENTRIES_PER_UNIT + proofs * PROOF_UNITS };
  });
};

/**
 * `GET /proof/consistency?from=M&to=N`: an RFC 9162 consistency proof of the root log. Anyone may ask for any
 * pair: a pair the history's cache holds is served from it, and one it does not is computed and not kept, so
 * that anonymous pairs never push out the proofs `/checkpoints` pages need.
 */
export const consistency: Handler = async (_request, url, ctx) => {
  const size = await ctx.store.logSize(ROOT_LOG);
  const to = countParam(url, 'to', undefined);
  const from = countParam(url, 'from', undefined);
  if (to > size) throw notFound(`the root log has ${size} entries; no tree of ${to}`);
  if (from > to) throw badRequest(`from ${from} is larger than to ${to}`, 'from');
  return jsonAnswer(200, { path_b64url: await consistencyIn(ctx, from, to, { keep: false }) }, { 'cache-control': 'public, max-age=31536000, immutable' });
};

/** `GET /tile/...`: the root log's tiles and entry bundles, public and immutable. */
export const rootTile: Handler = async (request, url, ctx) => serveTile(request, ctx, ROOT_LOG, url.pathname.slice(1), 'public');

/** `GET /logs/<tenant_id>/tile/...`: a tenant log's tiles (read scope). */
export const tenantTile: Handler = async (request, url, ctx, [rawTenant, rest]) =>
  serveTile(request, ctx, logTenant(request, url, ctx, rawTenant!), `tile/${rest}`, 'private');

/** `GET /.well-known/aegislog/vkeys`: the log's note keys (§7). */
export const vkeys: Handler = async (_request, _url, ctx) =>
  new Response(await ctx.vkeys(), { headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'public, max-age=300' } });

async function serveTile(request: Request, ctx: Context, log: LogName, path: string, visibility: 'public' | 'private'): Promise<Response> {
  let tile: TileRef;
  try {
    tile = parseTilePath(path);
  } catch (error) {
    throw notFound((error as AegisLogError).message);
  }
  const size = await ctx.store.logSize(log);
  if (!tileExists(size, tile)) throw notFound(`no such tile in a log of ${size} entries`);
  const body =
    tile.level !== 'entries' ? await hashTile(ctx, log, tile)
    : visibility === 'private' ? await entryBundle(ctx, log, tile)
    // The root log's entries are its heads, each parsed and hashed (2 ms for 256, 40 times a /healthz): in the anonymous turn.
    : await anonymousTurn(ctx.ring.budget, request.signal, async () => ({ answer: await entryBundle(ctx, log, tile), units: 1 + tile.width / ENTRIES_PER_UNIT }));
  return new Response(body as Uint8Array<ArrayBuffer>, {
    headers: { 'content-type': 'application/octet-stream', 'cache-control': `${visibility}, max-age=31536000, immutable` },
  });
}

async function hashTile(ctx: Context, log: LogName, tile: TileRef): Promise<Uint8Array> {
  const [bytes] = await storeTiles(ctx.store, log, ctx.tileCache).read([tile]);
  return bytes!.subarray(0, 32 * tile.width);
}

/** Entry bundles: big-endian uint16 lengths, then the 32-byte entries (receipt hashes, or head hashes for the root log). */
async function entryBundle(ctx: Context, log: LogName, tile: TileRef): Promise<Uint8Array> {
  const first = tile.index * TILE_WIDTH;
  const entries = await ctx.store.entryData(log, first, first + tile.width);
  const out = new Uint8Array(34 * entries.length);
  entries.forEach((entry, i) => {
    out[34 * i + 1] = 32;
    out.set(entry, 34 * i + 2);
  });
  return out;
}
