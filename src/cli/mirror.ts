import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CheckpointHistory, HistoryEntry } from '../protocol/index.js';
import { TILE_BYTES, TILE_WIDTH, hashesAtLevel, partialTilesOf, tilePath, type TileRef } from '../tlog/tiles.js';
import { parseNote } from '../tlog/note.js';
import { TENANT_ID, TENANT_ID_RULE } from '../schema/index.js';
import { readBody } from '../transport/web-handler.js';
import type { Command } from './command.js';
import { copyHeads, type MirroredHead } from './mirror-heads.js';
import { EXIT, InputError, runChecked, type AuditorIO } from './run-checked.js';

const USAGE = `Usage: aegislog mirror --from URL --to DIR [--since SEQ] [--tenant ID]... [--api-key KEY]

Copies a log's public files from a running AegisLog server into DIR, as plain
files in the C2SP tlog-tiles layout, so that any static host or bucket serves
them and auditors verify from tiles alone (PROTOCOL.md §5, §6.3, §7):

  DIR/checkpoint                      the newest checkpoint (a signed note)
  DIR/checkpoints                     the checkpoint history with consistency proofs
                                      (what GET /checkpoints answers)
  DIR/vkeys, DIR/.well-known/aegislog/vkeys
                                      the log's note verifier keys
  DIR/tile/<L>/<N>[.p/<W>]            the root log's tiles, for every checkpoint size
  DIR/tile/entries/<N>[.p/<W>]        its entry bundles (head hashes)

Tenant logs are private: only those named with --tenant are copied, with a key
that may read them (--api-key, or the AEGISLOG_API_KEY environment variable):

  DIR/logs/<ID>/heads                 the tenant's heads (NDJSON, as GET /logs/<ID>/heads)
  DIR/logs/<ID>/tile/...              its tiles and entry bundles, for every head size

Tiles are immutable, so a file that exists is kept, not fetched again. The
checkpoint and history are written last (each by an atomic rename): a reader
never finds a checkpoint whose tiles are missing.

  --from URL    the server (its root URL, as clients use it)
  --to DIR      the mirror folder (made if missing)
  --since SEQ   incremental: DIR already holds checkpoints 0..SEQ-1 (from an
                earlier run); fetch the history from SEQ on, and tiles for the
                checkpoints and heads since (all heads of a tenant that DIR
                does not hold yet)
  --tenant ID   also mirror this tenant log (repeatable)
  --api-key KEY a key with read scope on those tenants

Exit status: 0 mirrored, 2 the mirror could not be made (bad usage, the server
unreachable or refusing, a folder that cannot be written).`;

const options = {
  from: { type: 'string' },
  to: { type: 'string' },
  since: { type: 'string' },
  tenant: { type: 'string', multiple: true },
  'api-key': { type: 'string' },
} as const;

/** Answers are paged by the server (GET /checkpoints: 1000 at most). */
const HISTORY_PAGE = 1000;
/** A page of HISTORY_PAGE checkpoints (notes with their cosignatures, proofs of O(log n) hashes) is a few MiB. */
const HISTORY_PAGE_BYTES = 64 * 1024 * 1024;
/** A log's vkeys: a few lines. */
const VKEYS_BYTES = 1024 * 1024;

export const mirrorCommand: Command = {
  usage: USAGE,
  run: (args, io: AuditorIO) =>
    runChecked({ name: 'mirror', options, positionals: { min: 0, max: 0 } }, args, io, async (values) => {
      if (values.from === undefined || values.to === undefined) throw new InputError('--from URL and --to DIR are required (see aegislog mirror --help)');
      let base: URL;
      try {
        base = new URL(values.from.endsWith('/') ? values.from : `${values.from}/`);
      } catch {
        throw new InputError(`--from ${values.from} is not a URL`);
      }
      // "localhost:8787" parses too, as a URL of scheme "localhost:": nothing a request can be made to.
      if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new InputError(`--from ${values.from} is not an http:// or https:// URL`);
      const since = values.since === undefined ? 0 : Number(values.since);
      if (!Number.isSafeInteger(since) || since < 0 || (values.since !== undefined && !/^\d+$/.test(values.since))) throw new InputError('--since must be a checkpoint count (0 or more)');
      const tenants = values.tenant ?? [];
      // Its folder is logs/<ID>/: ".." would write the tenant's heads over the mirror's own files.
      for (const tenant of tenants) if (!TENANT_ID.test(tenant)) throw new InputError(`--tenant ${JSON.stringify(tenant)} is not a tenant id (${TENANT_ID_RULE})`);
      const apiKey = values['api-key'] ?? process.env.AEGISLOG_API_KEY;
      if (tenants.length > 0 && apiKey === undefined) throw new InputError('--tenant needs --api-key (or AEGISLOG_API_KEY) with read scope');
      const report = await mirror({ base, dir: values.to, since, tenants, apiKey, fetch: io.fetch ?? fetch });
      io.out(
        [
          `mirrored ${report.checkpoints} checkpoints of ${report.origin} (root log size ${report.rootSize}) into ${values.to}`,
          ...report.tenants.map((t) => `  tenant ${t.tenantId}: ${t.heads} heads, log size ${t.size}`),
          `  ${report.written} files written, ${report.kept} kept`,
        ].join('\n'),
      );
      return EXIT.ok;
    }),
};

export interface MirrorOptions {
  base: URL;
  dir: string;
  since: number;
  tenants: readonly string[];
  apiKey?: string;
  fetch: typeof fetch;
}

export interface MirrorReport {
  origin: string;
  checkpoints: number;
  rootSize: number;
  tenants: { tenantId: string; heads: number; size: number }[];
  written: number;
  kept: number;
}

export async function mirror(options: MirrorOptions): Promise<MirrorReport> {
  const { dir, since } = options;
  const counts = { written: 0, kept: 0 };
  const get = async (path: string, key = false): Promise<Response> => {
    const url = new URL(path, options.base);
    let response: Response;
    try {
      response = await options.fetch(url, { headers: key && options.apiKey ? { 'x-api-key': options.apiKey } : {} });
    } catch (error) {
      throw new InputError(`cannot fetch ${url}: ${(error as Error).message}`);
    }
    if (!response.ok) throw new InputError(`${url} answered ${response.status}: ${(await firstWords(response)).slice(0, 200)}`);
    return response;
  };

  const history = await readHistory(options, since, get);
  const entries = history.checkpoints;
  if (since === 0) await refuseOtherHistory(dir, history);
  const latest = entries.at(-1)!;
  // Heads that entered the root log before checkpoint `since` were mirrored by the earlier run (of a tenant it mirrored).
  const oldRootSize = since === 0 ? 0 : entries[since - 1]!.tree_size;

  const copyTiles = async (prefix: string, sizes: readonly number[], key: boolean) => {
    if (sizes.length === 0) return;
    const done = new Set<string>();
    for (const ref of tilesToCopy(sizes)) {
      const path = `${prefix}${tilePath(ref)}`;
      if (done.has(path)) continue;
      done.add(path);
      if (await exists(join(dir, path))) {
        counts.kept++;
        continue;
      }
      const expected = ref.level === 'entries' ? 34 * ref.width : ref.width === TILE_WIDTH ? TILE_BYTES : 32 * ref.width;
      // No more than a tile: a body of gigabytes (a hostile host, an endless stream) is not read to its end.
      const bytes = await bounded(await get(path, key), expected, path);
      if (bytes.length !== expected) throw new InputError(`${path} has ${bytes.length} bytes, not ${expected}`);
      await put(join(dir, path), bytes);
      counts.written++;
    }
  };

  await copyTiles('', entries.slice(since).map((c) => c.tree_size), false);

  const tenants: MirrorReport['tenants'] = [];
  for (const tenantId of options.tenants) {
    const prefix = `logs/${encodeURIComponent(tenantId)}/`;
    const file = join(dir, prefix, 'heads');
    // Not only the heads since `since`: a tenant new to this mirror (or left out of some runs) has older ones.
    const from = since === 0 ? 0 : Math.min(oldRootSize, await mirroredHeadsEnd(file));
    // Written beside and renamed over once their tiles are copied, as `put` does; a run that fails leaves no part of it.
    const temp = `${file}.${process.pid}.tmp`;
    let heads: MirroredHead[];
    try {
      await mkdir(dirname(file), { recursive: true });
      heads = await copyHeads((await get(`${prefix}heads`, true)).body, `${prefix}heads`, latest.tree_size, temp);
      await copyTiles(prefix, heads.filter((h) => h.headIndex >= from).map((h) => h.treeSize), true);
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw error instanceof InputError ? error : new InputError(`cannot write ${file}: ${(error as Error).message}`);
    }
    tenants.push({ tenantId, heads: heads.length, size: heads.at(-1)?.treeSize ?? 0 });
    counts.written++;
  }

  const vkeys = new TextDecoder().decode(await bounded(await get('.well-known/aegislog/vkeys'), VKEYS_BYTES, '.well-known/aegislog/vkeys'));
  await put(join(dir, 'vkeys'), vkeys);
  await put(join(dir, '.well-known/aegislog/vkeys'), vkeys);
  await put(join(dir, 'checkpoints'), `${JSON.stringify(history)}\n`);
  await put(join(dir, 'checkpoint'), latest.note);
  counts.written += 4;
  return { origin: history.origin, checkpoints: entries.length, rootSize: latest.tree_size, tenants, ...counts };
}

/**
 * The tiles (and, beside each level-0 tile, its entry bundle) that trees of `sizes` need, one at a time: a smaller
 * tree's full tiles are the largest one's, and each size adds its partial tiles. Walked, not listed: the sizes are
 * the host's word, and the list for a tree of 2^53−1 entries (a 200-byte answer) would not fit in memory.
 */
function* tilesToCopy(sizes: readonly number[]): Generator<TileRef> {
  // Not Math.max(...sizes): a call takes no more arguments than the stack holds (some 120,000).
  const max = sizes.reduce((a, b) => Math.max(a, b), 0);
  for (let level = 0; hashesAtLevel(max, level) > 0; level++) {
    const full = Math.floor(hashesAtLevel(max, level) / TILE_WIDTH);
    for (let index = 0; index < full; index++) {
      yield { level, index, width: TILE_WIDTH };
      if (level === 0) yield { level: 'entries', index, width: TILE_WIDTH };
    }
  }
  for (const size of sizes) {
    for (const t of partialTilesOf(size)) {
      yield t;
      if (t.level === 0) yield { ...t, level: 'entries' };
    }
  }
}

/** The whole history: the mirror's first `since` entries, then the server's from there on, each with its consistency proof. */
async function readHistory(options: MirrorOptions, since: number, get: (path: string) => Promise<Response>): Promise<CheckpointHistory> {
  let kept: HistoryEntry[] = [];
  let origin: string | undefined;
  if (since > 0) {
    let saved: unknown;
    const savedPath = join(options.dir, 'checkpoints');
    try {
      saved = JSON.parse(await readFile(savedPath, 'utf8'));
    } catch (error) {
      throw new InputError(`--since ${since}: cannot read the mirror's history ${savedPath}: ${(error as Error).message}`);
    }
    if (!isHistory(saved)) throw new InputError(`--since ${since}: the mirror's history ${savedPath} is not a checkpoint history`);
    if (saved.checkpoints.length < since) throw new InputError(`--since ${since}: the mirror holds only ${saved.checkpoints.length} checkpoints`);
    kept = saved.checkpoints.slice(0, since);
    origin = saved.origin;
  }
  // From the last kept one, so that the first new entry comes with its consistency proof from it.
  let from = Math.max(since - 1, 0);
  const fetched: HistoryEntry[] = [];
  for (;;) {
    const path = `checkpoints?from=${from}&to=${from + HISTORY_PAGE}`;
    const body = await bounded(await get(path), HISTORY_PAGE_BYTES, path);
    let page: unknown;
    try {
      page = JSON.parse(new TextDecoder().decode(body));
    } catch {
      // not JSON: refused below as no history
    }
    // The server's answer is read as a history only once it is one: its entries name the tiles and files written.
    if (!isHistory(page)) throw new InputError(`${new URL(path, options.base)} is not a checkpoint history (GET /checkpoints)`);
    if (origin !== undefined && page.origin !== origin) throw new InputError(`the server's log is ${page.origin}, the mirror's ${origin}`);
    origin = page.origin;
    // Each page is a history of its own: its first entry has no proof; the one before it (the previous page's last) gives it.
    const [first, ...rest] = page.checkpoints;
    if (!first) {
      // The server no longer has checkpoint SEQ−1, which the mirror holds: not a history that extends the mirror's.
      if (since > 0 && fetched.length === 0) {
        throw new InputError(`the server's history has no checkpoint ${from}, which the mirror holds: the server's history is not the mirror's (a log restored from a backup, or a fork)`);
      }
      break;
    }
    if (fetched.length > 0 || since > 0) {
      const before = fetched.at(-1) ?? kept.at(-1)!;
      // The signed body, not the whole note: witnesses may have cosigned it since it was mirrored.
      if (first.period_start !== before.period_start || first.tree_size !== before.tree_size || signedBody(first.note) !== signedBody(before.note)) {
        throw new InputError(`checkpoint ${from} differs from the one mirrored before: the server's history is not the mirror's (a log restored from a backup, or a fork)`);
      }
    } else fetched.push(first);
    fetched.push(...rest);
    if (rest.length === 0) break;
    from += rest.length;
  }
  const checkpoints = [...kept, ...fetched];
  if (checkpoints.length === 0) throw new InputError(`${new URL('checkpoints', options.base)} has no checkpoint yet: nothing is sealed`);
  return { v: 2, origin: origin!, checkpoints };
}

/**
 * A full run into a folder that holds a mirror already: the server's history must extend it, as `--since` requires
 * of its entry SEQ−1. Tiles whose file exists are kept, so those of another history (this origin restored from a
 * backup, another log) would stay under the server's checkpoint, and no proof from the folder would verify.
 */
async function refuseOtherHistory(dir: string, history: CheckpointHistory): Promise<void> {
  let saved: unknown;
  try {
    saved = JSON.parse(await readFile(join(dir, 'checkpoints'), 'utf8'));
  } catch {
    return; // no mirror there yet (or nothing the mirror wrote)
  }
  if (!isHistory(saved) || saved.checkpoints.length === 0) return;
  const last = saved.checkpoints.length - 1;
  const mine = saved.checkpoints[last]!;
  const theirs = history.checkpoints[last];
  if (saved.origin !== history.origin || !theirs || theirs.tree_size !== mine.tree_size || signedBody(theirs.note) !== signedBody(mine.note)) {
    throw new InputError(
      `${join(dir, 'checkpoints')} holds ${last + 1} checkpoints of ${saved.origin}, and the server's checkpoint ${last} is ${theirs ? 'another' : 'missing'}: the server's history is not the mirror's (a log restored from a backup, or another log); mirror it into an empty folder`,
    );
  }
}

/** `{origin, checkpoints: [{period_start, tree_size, note}, …]}`, as far as the mirror reads it (the notes are verified by auditors). */
function isHistory(value: unknown): value is CheckpointHistory {
  const v = value as { origin?: unknown; checkpoints?: unknown } | null;
  if (typeof v !== 'object' || v === null || typeof v.origin !== 'string' || !Array.isArray(v.checkpoints)) return false;
  return v.checkpoints.every((c: { period_start?: unknown; tree_size?: unknown; note?: unknown } | null) =>
    typeof c === 'object' && c !== null && typeof c.period_start === 'string' && typeof c.note === 'string' && Number.isSafeInteger(c.tree_size) && (c.tree_size as number) >= 0);
}

/** The checkpoint a note signs (origin, size, root), without its signature lines. */
function signedBody(note: string): string {
  try {
    return parseNote(note).text;
  } catch (error) {
    throw new InputError(`a checkpoint of the server's history is not a signed note: ${(error as Error).message}`);
  }
}

/** One past the last head index in a heads file an earlier run wrote (its tiles were copied first); 0 without one. */
async function mirroredHeadsEnd(path: string): Promise<number> {
  try {
    const last = (await readFile(path, 'utf8')).split('\n').filter(Boolean).at(-1);
    const index = last === undefined ? -1 : (JSON.parse(last) as { head_index?: unknown }).head_index;
    return Number.isSafeInteger(index) ? (index as number) + 1 : 0;
  } catch {
    return 0; // none, or unreadable: copy them all (files that exist are kept)
  }
}

/** A body of at most `max` bytes, else refused naming `path` without reading the rest (a hostile host's endless answer). */
async function bounded(response: Response, max: number, path: string): Promise<Uint8Array> {
  try {
    return await readBody(response, max);
  } catch (error) {
    await response.body?.cancel().catch(() => {});
    if ((error as { status?: number }).status !== 413) throw error;
    throw new InputError(`${path} has more than ${max} bytes`);
  }
}

/** The start of a refusal's body, for the message: a body that never ends (a proxy's stream, a hostile host) is not read on. */
async function firstWords(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < 1024) {
      const next = await reader.read();
      if (next.done) break;
      chunks.push(next.value);
      total += next.value.byteLength;
    }
  } catch {
    // cut off: what came is enough
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) bytes.set(chunk, at), (at += chunk.byteLength);
  return new TextDecoder().decode(bytes);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Written beside, then renamed over: a static host serves the old file or the new
 * one, never half of one, and a run that dies leaves no half tile that a later run
 * would keep as it is.
 */
async function put(path: string, data: Uint8Array | string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    throw new InputError(`cannot write ${path}: ${(error as Error).message}`);
  }
}
