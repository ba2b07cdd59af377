import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { AegisLogError } from '../protocol/index.js';
import { whileLocked } from '../transport/sqlite-lock.js';
import { cannotOpen, openError } from '../transport/sqlite-open.js';
import type { EcPublicJwk, TenantHead } from '../protocol/index.js';
import { edgeTilesOf } from '../tlog/tile-append.js';
import { INNER_LEVEL, TILE_BYTES, TILE_HEIGHT } from '../tlog/tiles.js';
import { EMPTY_LOG, planAppend, type LogState } from './sequence.js';
import { countBefore, headEntry, mergeNotes, missingTile, recordsPage, sealOrderError, signatureWritesError } from './store-rules.js';
import { ROOT_LOG, type AppendOutcome, type AppendRequest, type SealCommit, type SignatureWrite, type Store, type StoredCheckpoint, type StoredHead, type StoredRecord } from './types.js';
import { checkpointOfRow, recordOfRow, type Row } from './store-rows.js';
import { sqliteReaders } from './sqlite-readers.js';
import { tilePrefetch } from './tile-prefetch.js';
import { sqliteWriter, type WriteOp } from './sqlite-writer.js';

export interface SqliteStoreOptions {
  /**
   * `full` (default): every commit is fsynced before a receipt goes out, so a
   * receipt survives power loss. `normal`: WAL commits survive a crash of the
   * process (kill -9) but the last ones may be lost on power loss.
   */
  synchronous?: 'full' | 'normal';
  /**
   * Called inside a seal's transaction before each of its writes (root-log tiles,
   * heads, the checkpoint). For crash tests only: a hook that kills the process
   * shows that a seal is all or nothing.
   */
  beforeSealWrite?: (step: 'tile' | 'head' | 'checkpoint', index: number) => void;
  /**
   * Worker threads, each with a read-only connection, that read records and tiles for /evidence (0, the
   * default: none). Their page reads overlap, where one connection reads one page after the other: for a
   * log larger than the page cache. A file database only.
   */
  readers?: number;
  /**
   * Group commits on a worker thread with its own connection (default false): the inserts, the commit and its
   * fsync no longer hold the event loop, which parses, signs and answers meanwhile. A file database only.
   */
  writer?: boolean;
}

/**
 * `PRAGMA user_version` of this layout. Version 1 folders (an `events` table) are refused.
 * 3: signatures in their own table (a version-2 server would not see them and sign anew).
 */
const SCHEMA_VERSION = 3;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  tenant_id TEXT NOT NULL,
  leaf_index INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  received_at TEXT NOT NULL,
  digest TEXT NOT NULL,
  key_id TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  signature TEXT,
  receipt_hash BLOB NOT NULL,
  event_json TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS records_leaf ON records (tenant_id, leaf_index);
CREATE UNIQUE INDEX IF NOT EXISTS records_id ON records (tenant_id, event_id);
-- A receipt's signature arrives after its record's commit. Kept apart, appended in leaf order, instead of
-- rewriting the record's row (its page written to the WAL a second time): records.signature holds only
-- those signed before schema 3.
CREATE TABLE IF NOT EXISTS signatures (
  tenant_id TEXT NOT NULL,
  leaf_index INTEGER NOT NULL,
  signature TEXT NOT NULL,
  PRIMARY KEY (tenant_id, leaf_index)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
  tenant_id TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  last_received_at TEXT,
  head_size INTEGER NOT NULL,
  last_head_index INTEGER,
  pending_since TEXT
);
CREATE INDEX IF NOT EXISTS logs_pending ON logs (pending_since) WHERE pending_since IS NOT NULL;
CREATE TABLE IF NOT EXISTS tiles (
  log TEXT NOT NULL,
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (log, level, idx)
);
CREATE TABLE IF NOT EXISTS heads (
  head_index INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  period_start TEXT NOT NULL,
  tree_size INTEGER NOT NULL,
  head_json TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS heads_period ON heads (tenant_id, period_start);
CREATE UNIQUE INDEX IF NOT EXISTS heads_size ON heads (tenant_id, tree_size);
-- A tenant's heads in head-index order (GET /logs/<tenant>/heads): without it each page of 500 sorted all of the
-- tenant's heads (8 ms a page, on the event loop, for a tenant of 10^5 heads). Added in schema 3 without a new
-- version: every version reads and writes a file with or without it; built at the first start that lacks it.
CREATE INDEX IF NOT EXISTS heads_tenant ON heads (tenant_id, head_index);
CREATE TABLE IF NOT EXISTS checkpoints (
  seq INTEGER PRIMARY KEY,
  period_start TEXT NOT NULL UNIQUE,
  period_end TEXT NOT NULL UNIQUE,
  tree_size INTEGER NOT NULL,
  sealed_at TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS signing_keys (kid TEXT PRIMARY KEY, jwk_json TEXT NOT NULL);
`;

/** How long kept signatures wait for the next commit before they get one of their own. */
const LATER_MS = 50;

/** A record row with its signature, wherever it is kept. */
const RECORD_COLUMNS = `r.tenant_id, r.leaf_index, r.event_id, r.received_at, r.digest, r.key_id, r.trace_id,
  coalesce(r.signature, s.signature) AS signature, r.receipt_hash, r.event_json`;
const RECORD_FROM = 'FROM records r LEFT JOIN signatures s ON s.tenant_id = r.tenant_id AND s.leaf_index = r.leaf_index';
const RECORD = `${RECORD_COLUMNS}\n  ${RECORD_FROM}`;
const BY_ID = `SELECT ${RECORD} WHERE r.tenant_id = ? AND r.event_id = ?`;
/**
 * BY_ID on a reader thread, with the record's level-0 tile and that tile's inner nodes when the tile is full: what
 * a proof of the leaf reads next (see `tile-prefetch.ts`). One message to the thread and back instead of two: on this
 * VM a message costs more CPU than the page reads it carries.
 */
const BY_ID_WITH_TILE = `SELECT ${RECORD_COLUMNS}, t.data AS tile, i.data AS inner
  ${RECORD_FROM}
  LEFT JOIN tiles t ON t.log = r.tenant_id AND t.level = 0 AND t.idx = r.leaf_index >> ${TILE_HEIGHT} AND length(t.data) = ${TILE_BYTES}
  LEFT JOIN tiles i ON t.level IS NOT NULL AND i.log = r.tenant_id AND i.level = ${INNER_LEVEL} AND i.idx = r.leaf_index >> ${TILE_HEIGHT}
  WHERE r.tenant_id = ? AND r.event_id = ?`;
const TILE = 'SELECT data FROM tiles WHERE log = ? AND level = ? AND idx = ?';

/** The writes a group commit runs, by index: on the store's connection, or on its writer thread. */
const WRITES = [
  `INSERT INTO records (tenant_id, leaf_index, event_id, received_at, digest, key_id, trace_id, signature, receipt_hash, event_json)
   VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
  'INSERT INTO tiles (log, level, idx, data) VALUES (?, ?, ?, ?) ON CONFLICT (log, level, idx) DO UPDATE SET data = excluded.data',
  `INSERT INTO logs (tenant_id, size, last_received_at, head_size, last_head_index, pending_since) VALUES (?, ?, ?, ?, ?, ?)
   ON CONFLICT (tenant_id) DO UPDATE SET size = excluded.size, last_received_at = excluded.last_received_at,
   head_size = excluded.head_size, last_head_index = excluded.last_head_index, pending_since = excluded.pending_since`,
  // The first signature stays, kept by the record's key (a record signed in its own column, before schema 3, is
  // never signed again: its receipt is known). Only for a record that exists: else the one that later takes
  // this leaf would come back with another record's signature.
  `INSERT INTO signatures (tenant_id, leaf_index, signature) SELECT ?, ?, ?
   WHERE EXISTS (SELECT 1 FROM records WHERE tenant_id = ? AND leaf_index = ? AND event_id = ?) ON CONFLICT DO NOTHING`,
  'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  // A witness only moves forward: a process that cosigned an older checkpoint must not move it back.
  `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key)
   DO UPDATE SET value = CAST(max(CAST(meta.value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)`,
] as const;
const [INSERT, PUT_TILE, PUT_LOG, SIGN, PUT_META, PUT_WITNESS] = [0, 1, 2, 3, 4, 5] as const;

type RecordRow = {
  tenant_id: string;
  leaf_index: number;
  event_id: string;
  received_at: string;
  digest: string;
  key_id: string;
  trace_id: string;
  signature: string | null;
  receipt_hash: Uint8Array;
  event_json: string;
};
type LogRow = { size: number; last_received_at: string | null; head_size: number; last_head_index: number | null; pending_since: string | null };
type CheckpointRow = Omit<StoredCheckpoint, never>;

/** Reader threads at most: `aegislog dev --readers` takes 0 to 64 too. */
const MAX_READERS = 64;

/**
 * A mistake is ERR_CONFIG naming the option, before anything is opened: `readers: 1e6` tried to start a million
 * threads, `readers: 2.5` started three, and a misspelt `synchronous` ('Normal') was taken as FULL without a word.
 */
function checkOptions(options: SqliteStoreOptions): void {
  const { readers, synchronous } = options;
  if (readers !== undefined && !(Number.isInteger(readers) && readers >= 0 && readers <= MAX_READERS)) {
    throw new AegisLogError('ERR_CONFIG', `readers must be a whole number from 0 to ${MAX_READERS}`, { field: 'readers' });
  }
  if (synchronous !== undefined && synchronous !== 'full' && synchronous !== 'normal') {
    throw new AegisLogError('ERR_CONFIG', 'synchronous must be "full" or "normal"', { field: 'synchronous' });
  }
}

/**
 * The embedded store: SQLite through better-sqlite3 (Node only; WAL). Appends
 * and signature writes that arrive in the same turn of the event loop share one
 * transaction (group commit), and each call resolves only after that commit.
 * One process owns the file (`aegislog dev` holds the folder's lock), so the
 * event loop is the sequencer and the seal lease is the process's own.
 */
export async function sqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<Store> {
  // An unset setting threw a TypeError of its own (reading 'startsWith'); an empty one opened better-sqlite3's
  // temporary database, deleted on close (':memory:' says so, and stays allowed).
  if (typeof path !== 'string' || path === '') throw new AegisLogError('ERR_CONFIG', 'path must be the database file\'s path (a string)', { field: 'path' });
  checkOptions(options);
  const { default: Database } = await import('better-sqlite3');
  const onFile = path !== '' && path !== ':memory:' && !path.startsWith('file:');
  // Its folder is made on first use, as the key files' are (SQLite makes the file, not the folder).
  // One it cannot make (a file in its place, no permission) is the path's fault, named as a path SQLite cannot open.
  if (onFile) await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((error: unknown) => Promise.reject(cannotOpen('database', path, error)));
  const synchronous = `synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`; // the writer thread's too
  let db: SqliteDatabase;
  try {
    db = new Database(path);
  } catch (error) {
    throw cannotOpen('database', path, error);
  }
  try {
    refuseVersion1(db, path);
    db.pragma('journal_mode = WAL');
    db.pragma(synchronous);
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -65536'); // 64 MiB: the (tenant_id, event_id) index takes random inserts
    // Reads straight from the OS page cache instead of a read() and a copy per page: a cold process serving
    // /evidence reads a few random pages per bundle. Writes still go through the journal as before.
    db.pragma('mmap_size = 1073741824');
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    // From here a lock held by another connection is waited for on timers (whileLocked), not in a
    // synchronous busy handler that would stop every request of the process for up to 5 s.
    db.pragma('busy_timeout = 0');
  } catch (error) {
    db.close();
    throw openError('database', path, error);
  }

  const driver = onFile && (options.readers || options.writer) ? createRequire(import.meta.url).resolve('better-sqlite3') : '';
  const readers = options.readers && onFile ? sqliteReaders(path, options.readers, driver) : undefined;
  const writer = options.writer && onFile ? sqliteWriter(path, WRITES, [synchronous, 'busy_timeout = 5000', 'cache_size = -65536'], driver) : undefined;

  // Full tiles read with a record (BY_ID_WITH_TILE), taken by the readTiles that asks for them.
  const prefetched = tilePrefetch();

  const q = {
    byId: db.prepare(BY_ID),
    // One query for a batch's ids (a JSON array), instead of one per event.
    byIds: db.prepare(`SELECT ${RECORD} WHERE r.tenant_id = ? AND r.event_id IN (SELECT value FROM json_each(?))`),
    byLeaf: db.prepare(`SELECT ${RECORD} WHERE r.tenant_id = ? AND r.leaf_index >= ? AND r.leaf_index < ? ORDER BY r.leaf_index LIMIT ?`),
    timeAt: db.prepare('SELECT received_at FROM records WHERE tenant_id = ? AND leaf_index = ?').pluck(),
    hashes: db.prepare('SELECT receipt_hash FROM records WHERE tenant_id = ? AND leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index').pluck(),
    log: db.prepare('SELECT size, last_received_at, head_size, last_head_index, pending_since FROM logs WHERE tenant_id = ?'),
    // The pending logs only (a seal's cost grows with the tenants that grew, §9): for its ORDER BY, SQLite chose to
    // walk every log by tenant_id instead (7 ms at 10^5 logs, on the event loop, for each seal, even one with none).
    grown: db.prepare('SELECT tenant_id, head_size, last_head_index FROM logs INDEXED BY logs_pending WHERE pending_since < ? ORDER BY tenant_id'),
    earliest: db.prepare('SELECT min(pending_since) FROM logs WHERE pending_since IS NOT NULL').pluck(),
    tile: db.prepare(TILE).pluck(),
    // Head indexes run 0…n−1 (commitSeal refuses a gap), so the last one gives the size: a read of the rowid
    // tree's edge, where count(*) scanned every head (7 ms at 10^6 heads, on the event loop, for each anonymous tile or proof).
    rootSize: db.prepare('SELECT coalesce(max(head_index) + 1, 0) FROM heads').pluck(),
    headRows: db.prepare('SELECT head_json FROM heads WHERE head_index >= ? AND head_index < ? ORDER BY head_index').pluck(),
    putHead: db.prepare('INSERT INTO heads (head_index, tenant_id, period_start, tree_size, head_json) VALUES (?, ?, ?, ?, ?)'),
    headFor: db.prepare('SELECT head_index, head_json FROM heads WHERE tenant_id = ? AND period_start = ?'),
    headCovering: db.prepare('SELECT head_index, head_json FROM heads WHERE tenant_id = ? AND tree_size > ? ORDER BY tree_size LIMIT 1'),
    lastHead: db.prepare('SELECT head_index, head_json FROM heads WHERE tenant_id = ? ORDER BY tree_size DESC LIMIT 1'),
    headsAfter: db.prepare('SELECT head_index, head_json FROM heads WHERE tenant_id = ? AND head_index > ? ORDER BY head_index LIMIT ?'),
    headAt: db.prepare('SELECT head_index, head_json FROM heads WHERE head_index = ?'),
    latest: db.prepare('SELECT * FROM checkpoints ORDER BY seq DESC LIMIT 1'),
    range: db.prepare('SELECT * FROM checkpoints WHERE seq >= ? AND seq < ? ORDER BY seq'),
    putCheckpoint: db.prepare('INSERT INTO checkpoints (seq, period_start, period_end, tree_size, sealed_at, note) VALUES (?, ?, ?, ?, ?, ?)'),
    setNote: db.prepare('UPDATE checkpoints SET note = ? WHERE seq = ?'),
    meta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
    witnesses: db.prepare("SELECT key, value FROM meta WHERE key LIKE 'witness:%'"),
    putKey: db.prepare('INSERT INTO signing_keys (kid, jwk_json) VALUES (?, ?) ON CONFLICT DO NOTHING'),
    keys: db.prepare('SELECT jwk_json FROM signing_keys ORDER BY rowid').pluck(),
  };

  const write = WRITES.map((sql) => db.prepare(sql));
  const stateOf = (tenantId: string): LogState => {
    const row = q.log.get(tenantId) as LogRow | undefined;
    if (!row) return EMPTY_LOG;
    return {
      size: row.size,
      lastReceivedAt: row.last_received_at ?? undefined,
      headSize: row.head_size,
      lastHeadIndex: row.last_head_index,
      pendingSince: row.pending_since ?? undefined,
    };
  };
  const stateParams = (tenantId: string, s: LogState) => [tenantId, s.size, s.lastReceivedAt ?? null, s.headSize, s.lastHeadIndex, s.pendingSince ?? null];
  const head = (row: { head_index: number; head_json: string } | undefined): StoredHead | undefined =>
    row && { headIndex: row.head_index, head: JSON.parse(row.head_json) as TenantHead };

  /**
   * The writes of one group commit, planned before any of them runs: what a job reads is what is committed,
   * overlaid with what the jobs before it in this commit will write.
   */
  class Commit {
    readonly ops: WriteOp[] = [];
    private readonly states = new Map<string, LogState>();
    private readonly tiles = new Map<string, Uint8Array>();
    private readonly added = new Map<string, Map<string, StoredRecord>>();
    private closed: string | undefined | null = null;

    closedUntil(): string | undefined {
      if (this.closed === null) this.closed = (q.meta.get('closed_until') as string | undefined) ?? undefined;
      return this.closed;
    }
    close(periodEnd: string) {
      const current = this.closedUntil();
      if (current !== undefined && periodEnd < current) throw new AegisLogError('ERR_PERIOD_ORDER', `closed_until is ${current}; cannot close at the earlier ${periodEnd}`);
      this.closed = periodEnd;
      this.ops.push([PUT_META, ['closed_until', periodEnd]]);
    }
    append(request: AppendRequest): AppendOutcome[] {
      const { tenantId } = request;
      const state = this.states.get(tenantId) ?? stateOf(tenantId);
      const edge: Uint8Array[] = [];
      for (const t of edgeTilesOf(state.size)) edge[t.level] = this.tiles.get(`${tenantId}/${t.level}/${t.index}`) ?? (q.tile.get(tenantId, t.level, t.index) as Uint8Array);
      const ids = JSON.stringify(request.entries.map((e) => e.event.event_id));
      const found = new Map((q.byIds.all(tenantId, ids) as RecordRow[]).map((row) => [row.event_id, toRecord(row)!] as const));
      const mine = this.added.get(tenantId) ?? new Map<string, StoredRecord>();
      const plan = planAppend(request, state, this.closedUntil(), (eventId) => mine.get(eventId) ?? found.get(eventId), edge);
      if (plan.added.length === 0) return plan.outcomes;
      this.added.set(tenantId, mine);
      for (const r of plan.added) {
        const s = r.statement;
        this.ops.push([INSERT, [tenantId, r.leafIndex, s.event_id, s.received_at, s.digest_b64url, s.key_id, r.trace_id, r.receiptHash, r.eventJson]]);
        mine.set(s.event_id, r);
      }
      for (const { tile, bytes } of plan.writes) {
        this.ops.push([PUT_TILE, [tenantId, tile.level, tile.index, bytes]]);
        this.tiles.set(`${tenantId}/${tile.level}/${tile.index}`, bytes);
      }
      this.ops.push([PUT_LOG, stateParams(tenantId, plan.state)]);
      this.states.set(tenantId, plan.state);
      return plan.outcomes;
    }
    sign(signatures: readonly SignatureWrite[]) {
      for (const s of signatures) this.ops.push([SIGN, [s.tenantId, s.leafIndex, s.signature_b64url, s.tenantId, s.leafIndex, s.eventId]]);
    }
  }

  // Group commit: every job queued in one turn of the event loop is planned into one transaction. Signatures
  // (their receipts already answered) wait for the next one, up to LATER_MS: under load each batch then
  // commits once, not twice. With a writer thread, the next commit is planned once this one is written: what
  // it reads is then what the thread committed.
  type Job = { plan: (commit: Commit) => unknown; resolve: (value: never) => void; reject: (error: unknown) => void };
  let queue: Job[] = [];
  let later: Job[] = [];
  let laterTimer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> | undefined;
  /** Writes on the store's own connection (the seal, notes, keys), run when no commit is in flight. */
  let exclusive: (() => void)[] = [];
  const runHere = db.transaction((ops: readonly WriteOp[]) => {
    for (const [statement, params] of ops) write[statement]!.run(...params);
  });
  const flush = () => {
    if (writing) return; // planned when the commit in flight is written
    const jobs = later.length === 0 ? queue : [...later, ...queue];
    queue = [];
    later = [];
    if (laterTimer !== undefined) clearTimeout(laterTimer), (laterTimer = undefined);
    if (jobs.length === 0) return;
    const commit = new Commit();
    const planned: { job: Job; result: unknown }[] = [];
    for (const job of jobs) {
      const mark = commit.ops.length;
      try {
        planned.push({ job, result: job.plan(commit) });
      } catch (error) {
        commit.ops.length = mark; // a job that fails to plan writes nothing; the others commit
        job.reject(error);
      }
    }
    const done = () => planned.forEach(({ job, result }) => job.resolve(result as never));
    const failed = (error: unknown) => planned.forEach(({ job }) => job.reject(error));
    // Nothing to write (a batch of duplicates): answered now, without a round trip to the thread.
    if (!writer?.live || commit.ops.length === 0) {
      try {
        runHere(commit.ops);
      } catch (error) {
        return failed(error);
      }
      return done();
    }
    writing = writer.commit(commit.ops).then(done, failed);
    void writing.finally(() => {
      writing = undefined;
      const waiting = exclusive;
      exclusive = [];
      for (const run of waiting) run();
      if (queue.length > 0 || later.length > 0) flush();
    });
  };
  const enqueue = <T>(plan: (commit: Commit) => T) =>
    new Promise<T>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ plan, resolve: resolve as (value: never) => void, reject });
    });
  const enqueueLater = (plan: (commit: Commit) => void) =>
    new Promise<void>((resolve, reject) => {
      later.push({ plan, resolve: resolve as (value: never) => void, reject });
      laterTimer ??= setTimeout(flush, LATER_MS);
    });
  /** Runs `write` on the store's own connection when no commit is in flight on the writer thread. */
  const whenIdle = <T>(write: () => T) =>
    new Promise<T>((resolve, reject) => {
      const run = () => {
        try {
          resolve(write());
        } catch (error) {
          reject(error);
        }
      };
      if (writing) exclusive.push(run);
      else run();
    });

  const sealWrite = db.transaction((seal: SealCommit): StoredCheckpoint => {
    const rootSize = q.rootSize.get() as number;
    const problem = sealOrderError(checkpointOf(q.latest.get() as CheckpointRow | undefined), seal, rootSize);
    if (problem) throw problem;
    seal.rootWrites.forEach(({ tile, bytes }, i) => {
      options.beforeSealWrite?.('tile', i);
      write[PUT_TILE]!.run(ROOT_LOG, tile.level, tile.index, bytes);
    });
    for (const [i, { head: h, headIndex }] of seal.heads.entries()) {
      options.beforeSealWrite?.('head', i);
      q.putHead.run(headIndex, h.tenant_id, h.period_start, h.tree_size, JSON.stringify(h));
      const state = stateOf(h.tenant_id);
      const next = (q.timeAt.get(h.tenant_id, h.tree_size) as string | undefined) ?? undefined;
      write[PUT_LOG]!.run(...stateParams(h.tenant_id, { ...state, headSize: h.tree_size, lastHeadIndex: headIndex, pendingSince: next }));
    }
    const seq = ((q.latest.get() as CheckpointRow | undefined)?.seq ?? -1) + 1;
    options.beforeSealWrite?.('checkpoint', 0);
    q.putCheckpoint.run(seq, seal.period_start, seal.period_end, seal.rootSize, seal.sealed_at, seal.note);
    return { seq, note: seal.note, tree_size: seal.rootSize, period_start: seal.period_start, period_end: seal.period_end, sealed_at: seal.sealed_at };
  });

  let lease: { holder: string; until: number } | undefined;
  let closed = false;

  return unlockedOr({
    append(request) {
      return enqueue((commit) => commit.append(request));
    },
    putSignatures(signatures) {
      const problem = signatureWritesError(signatures);
      if (problem) return Promise.reject(problem);
      return enqueueLater((commit) => commit.sign(signatures));
    },
    async getRecord(tenantId, eventId) {
      const read = readers?.get(prefetched.wanted(tenantId) ? BY_ID_WITH_TILE : BY_ID, [[tenantId, eventId]]);
      if (!read) return toRecord(q.byId.get(tenantId, eventId) as RecordRow | undefined);
      const row = (await read)[0] as (RecordRow & { tile: Uint8Array | null; inner: Uint8Array | null }) | undefined;
      if (row?.tile) prefetched.put(row.tenant_id, row.leaf_index, row.tile, row.inner);
      return toRecord(row);
    },
    async records(tenantId, from, to, limit) {
      return recordsPage(q.byLeaf.iterate(tenantId, from, to, limit) as IterableIterator<RecordRow>, (row) => row.event_json.length).map((row) => toRecord(row)!);
    },
    async logSize(log) {
      return log === ROOT_LOG ? (q.rootSize.get() as number) : stateOf(log).size;
    },
    async readTiles(log, refs) {
      const rows: unknown[] = refs.map((ref) => prefetched.take(log, ref));
      const missing = refs.filter((_, i) => rows[i] === undefined);
      if (missing.length > 0) {
        const read = readers?.get(TILE, missing.map((ref) => [log, ref.level, ref.index]));
        const got = read ? ((await read) as ({ data: Uint8Array } | undefined)[]).map((row) => row?.data) : missing.map((ref) => q.tile.get(log, ref.level, ref.index));
        let j = 0;
        for (let i = 0; i < rows.length; i++) if (rows[i] === undefined) rows[i] = got[j++];
      }
      return refs.map((ref, i) => {
        const data = rows[i] as Uint8Array | undefined;
        if (!data || data.length < 32 * ref.width) throw missingTile(ref, `log "${log}"`);
        return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      });
    },
    async entryData(log, from, to) {
      if (log === ROOT_LOG) return (q.headRows.all(from, to) as string[]).map((json) => headEntry({ headIndex: 0, head: JSON.parse(json) as TenantHead }));
      return (q.hashes.all(log, from, to) as Uint8Array[]).map((b) => new Uint8Array(b));
    },

    async closedUntil() {
      return (q.meta.get('closed_until') as string | undefined) ?? undefined;
    },
    closePeriod(periodEnd) {
      return enqueue((commit) => commit.close(periodEnd));
    },
    async grownLogs(periodEnd) {
      return (q.grown.all(periodEnd) as { tenant_id: string; head_size: number; last_head_index: number | null }[]).map((r) => ({
        tenantId: r.tenant_id,
        prevTreeSize: r.head_size,
        prevHeadIndex: r.last_head_index,
      }));
    },
    async sizeAt(tenantId, time) {
      // received_at never decreases along a log: a binary search over leaf indexes, O(log n) point reads.
      return countBefore(stateOf(tenantId).size, (i) => q.timeAt.get(tenantId, i) as string, time);
    },
    commitSeal(seal) {
      // Entries the seal's heads cover were committed before the close (a job of the queue, like appends).
      return whenIdle(() => sealWrite(seal));
    },
    async earliestPending() {
      return (q.earliest.get() as string | null) ?? undefined;
    },

    async latestCheckpoint() {
      return checkpointOf(q.latest.get() as CheckpointRow | undefined);
    },
    async checkpoints(from, to) {
      return (q.range.all(from, to) as CheckpointRow[]).map((row) => checkpointOf(row)!);
    },
    updateNote(seq, note) {
      return whenIdle(() => {
        const [row] = q.range.all(seq, seq + 1) as CheckpointRow[];
        if (!row) throw new Error(`no checkpoint ${seq}`);
        q.setNote.run(mergeNotes(row.note, note), seq);
      });
    },

    async headFor(tenantId, periodStart) {
      return head(q.headFor.get(tenantId, periodStart) as never);
    },
    async headCovering(tenantId, leafIndex) {
      const found = head(q.headCovering.get(tenantId, leafIndex) as never);
      return found && found.head.prev_tree_size <= leafIndex ? found : undefined;
    },
    async lastHead(tenantId) {
      return head(q.lastHead.get(tenantId) as never);
    },
    async heads(tenantId, after, limit) {
      return (q.headsAfter.all(tenantId, after ?? -1, limit) as never[]).map((row) => head(row)!);
    },
    async headAt(headIndex) {
      return head(q.headAt.get(headIndex) as never);
    },

    async witnessSizes() {
      return Object.fromEntries((q.witnesses.all() as { key: string; value: string }[]).map((r) => [r.key.slice('witness:'.length), Number(r.value)]));
    },
    putWitnessSize(witness, size) {
      return whenIdle(() => void write[PUT_WITNESS]!.run(`witness:${witness}`, String(size)));
    },
    putKey(jwk) {
      return whenIdle(() => void q.putKey.run(jwk.kid, JSON.stringify(jwk)));
    },
    async keys() {
      return (q.keys.all() as string[]).map((json) => JSON.parse(json) as EcPublicJwk & { kid: string });
    },
    async acquireSealLease(holder, now, ttlMs) {
      if (lease && lease.holder !== holder && lease.until > now) return false;
      lease = { holder, until: now + ttlMs };
      return true;
    },
    async releaseSealLease(holder) {
      if (lease?.holder === holder) lease = undefined;
    },
    async close() {
      closed = true;
      // Bounded: each pass commits what was queued before it, and nothing queues once the server has stopped.
      for (let pass = 0; pass < 100 && (writing || queue.length > 0 || later.length > 0); pass++) {
        flush();
        await writing?.catch(() => undefined);
      }
      await writer?.close();
      await readers?.close();
      if (db.open) db.close();
    },
  }, () => closed);
}

/**
 * Every method of the store, waiting for "database is locked" on timers (whileLocked), never holding the event
 * loop. A try that failed wrote nothing: the group commit's plan is read anew at the next. Once the store is
 * closed, each try is refused as unavailable, as postgresStore refuses it (not with better-sqlite3's TypeError),
 * and so is a call that was under way and failed after it (a read whose reader thread the close ended).
 */
function unlockedOr(store: Store, isClosed: () => boolean): Store {
  const out = {} as Record<string, unknown>;
  const closedError = (cause?: unknown) => new AegisLogError('ERR_STORE_UNAVAILABLE', 'the store was closed', cause === undefined ? undefined : { cause });
  for (const [name, fn] of Object.entries(store) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    out[name] = (...args: unknown[]) =>
      whileLocked(() => {
        if (name !== 'close' && isClosed()) throw closedError();
        return fn(...args);
      }, 'SQLite database').catch((error: unknown) => {
        throw name !== 'close' && isClosed() && !(error instanceof AegisLogError) ? closedError(error) : error;
      });
  }
  return out as unknown as Store;
}

function toRecord(row: RecordRow | undefined): StoredRecord | undefined {
  return row && recordOfRow(row as unknown as Row, row.tenant_id, new Uint8Array(row.receipt_hash));
}

const checkpointOf = (row: CheckpointRow | undefined): StoredCheckpoint | undefined => checkpointOfRow(row as Row | undefined);

/** A folder written by a v1 server has an `events` table: its evidence stays verifiable, but this server writes v2 only. */
function refuseVersion1(db: SqliteDatabase, path: string): void {
  const v1 = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
  if (v1) {
    throw new AegisLogError(
      'ERR_STORE_VERSION',
      `${path} holds AegisLog protocol v1 evidence; this server writes v2 only: keep that folder (its evidence stays verifiable) and start on a new data folder`,
    );
  }
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new AegisLogError('ERR_STORE_VERSION', `${path} was written by a newer AegisLog (schema ${version}); upgrade aegislog`);
}

