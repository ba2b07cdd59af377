/**
 * The two kinds of log object behind `durableObjectStore`, each over one Durable
 * Object's SQLite storage (`ctx.storage`):
 *
 * - a tenant log: one per tenant, its sequencer. Its records, tiles and its own
 *   `closed_until` live in its storage. An append reads, plans and writes in one
 *   synchronous transaction, so nothing else runs on the object in between (a
 *   Durable Object runs one event at a time between awaits), and the answer leaves
 *   only once the write is durable (the output gate). On its first append it
 *   registers with the root log and takes the root's `closed_until`.
 * - the root log: one per deployment. The tenant registry, `closed_until`, heads,
 *   root-log tiles, checkpoints, keys, witness sizes and the seal lease.
 *
 * Closing a period: the root raises its `closed_until` and answers the registry,
 * then the store raises each tenant's. A tenant that registers after the root
 * closed gets that `closed_until` back; one registered before is in the registry.
 * Either way no tenant stamps an entry below a closed period's end.
 */
import { AegisLogError, sha256 } from '../protocol/index.js';
import type { EcPublicJwk, TenantHead } from '../protocol/index.js';
import { edgeTilesOf, type TileWrite } from '../tlog/tile-append.js';
import type { TileRef } from '../tlog/tiles.js';
import { RECORDS_ANSWER_CHARS, checkedAppend, checkedSeal, need, type TenantAppend } from './log-object-checks.js';
import { answerLogCall, callLogObject, type LogObject } from './log-object-wire.js';
import { EMPTY_LOG, planAppend } from './sequence.js';
import { countBefore, headEntry, missingTile, sealOrderError, signatureWritesError } from './store-rules.js';
import type { AppendOutcome, AppendRequest, SealCommit, SignatureWrite, StoredCheckpoint, StoredHead, StoredRecord } from './types.js';
import { checkpointOfRow, recordOfRow, type Row } from './store-rows.js';

/** The part of a Durable Object's `ctx.storage` the log objects use (SQLite-backed objects). */
export interface DurableStorageLike {
  sql: { exec(query: string, ...bindings: unknown[]): { toArray(): Record<string, unknown>[] } };
  transactionSync<T>(body: () => T): T;
}

export type { TenantAppend };

const TENANT_SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  leaf_index INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, received_at TEXT NOT NULL, digest TEXT NOT NULL,
  key_id TEXT NOT NULL, trace_id TEXT NOT NULL, signature TEXT, receipt_hash BLOB NOT NULL, event_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tiles (level INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (level, idx));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const ROOT_SCHEMA = `
CREATE TABLE IF NOT EXISTS tenants (tenant_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS tiles (level INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (level, idx));
CREATE TABLE IF NOT EXISTS heads (
  head_index INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, period_start TEXT NOT NULL, tree_size INTEGER NOT NULL, head_json TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS heads_period ON heads (tenant_id, period_start);
CREATE UNIQUE INDEX IF NOT EXISTS heads_size ON heads (tenant_id, tree_size);
CREATE TABLE IF NOT EXISTS checkpoints (
  seq INTEGER PRIMARY KEY, period_start TEXT NOT NULL UNIQUE, period_end TEXT NOT NULL UNIQUE,
  tree_size INTEGER NOT NULL, sealed_at TEXT NOT NULL, note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS signing_keys (n INTEGER PRIMARY KEY, kid TEXT NOT NULL UNIQUE, jwk_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seal_lease (id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL, until INTEGER NOT NULL);
`;

function sqlOf(storage: DurableStorageLike) {
  const all = (query: string, ...bindings: unknown[]) => storage.sql.exec(query, ...bindings).toArray();
  const one = (query: string, ...bindings: unknown[]): Row | undefined => all(query, ...bindings)[0];
  const meta = (key: string) => one('SELECT value FROM meta WHERE key = ?', key)?.value as string | undefined;
  const putMeta = (key: string, value: string) => all('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', key, value);
  const tiles = (refs: readonly TileRef[], what: string) =>
    refs.map((ref) => {
      const data = one('SELECT data FROM tiles WHERE level = ? AND idx = ?', ref.level, ref.index)?.data;
      const bytes = data === undefined ? undefined : bytesOf(data);
      if (!bytes || bytes.length < 32 * ref.width) throw missingTile(ref, what);
      return bytes;
    });
  const putTiles = (writes: readonly TileWrite[]) => {
    for (const { tile, bytes } of writes) all('INSERT INTO tiles (level, idx, data) VALUES (?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET data = excluded.data', tile.level, tile.index, bytes);
  };
  return { all, one, meta, putMeta, tiles, putTiles };
}

/** The methods of one tenant's log object; `root()` reaches the root log (registration). */
export function tenantLogMethods(storage: DurableStorageLike, root: () => LogObject) {
  const db = sqlOf(storage);
  storage.sql.exec(TENANT_SCHEMA);
  const size = () => Number(db.one('SELECT coalesce(max(leaf_index) + 1, 0) AS n FROM records')!.n);
  const timeAt = (i: number) => db.one('SELECT received_at FROM records WHERE leaf_index = ?', i)?.received_at as string | undefined;
  const tenantOf = () => db.meta('tenant_id');
  const record = (row: Row | undefined) => row && toRecord(tenantOf()!, row);
  /** The tenant this object serves, fixed by its first append: a call for another one is a routing bug. */
  const check = (tenantId: string) => {
    const mine = tenantOf();
    if (mine !== undefined && mine !== tenantId) throw new AegisLogError('ERR_LOG_OBJECT_CALL', `this log object holds tenant ${mine}, not ${tenantId}`);
  };
  const raiseClosed = (until: string | undefined) => {
    const current = db.meta('closed_until');
    if (until !== undefined && (current === undefined || until > current)) db.putMeta('closed_until', until);
  };

  return {
    async append(value: TenantAppend): Promise<AppendOutcome[]> {
      const request = checkedAppend(value);
      check(request.tenantId);
      if (tenantOf() === undefined) {
        const closed = await callLogObject<string | undefined>(root(), 'register', [request.tenantId]);
        check(request.tenantId);
        storage.transactionSync(() => {
          raiseClosed(closed);
          db.putMeta('tenant_id', request.tenantId);
        });
      }
      // From here to the commit nothing awaits: no other call runs on this object in between.
      return storage.transactionSync(() => {
        const n = size();
        const state = { ...EMPTY_LOG, size: n, lastReceivedAt: n === 0 ? undefined : timeAt(n - 1) };
        const edge: Uint8Array[] = [];
        for (const t of edgeTilesOf(n)) edge[t.level] = db.tiles([t], 'this tenant log')[0]!;
        const existing = (eventId: string) => record(db.one('SELECT * FROM records WHERE event_id = ?', eventId));
        const plan = planAppend({ ...request, sha256 }, state, db.meta('closed_until'), existing, edge);
        for (const r of plan.added) {
          const s = r.statement;
          db.all(
            `INSERT INTO records (leaf_index, event_id, received_at, digest, key_id, trace_id, signature, receipt_hash, event_json) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
            r.leafIndex, s.event_id, s.received_at, s.digest_b64url, s.key_id, r.trace_id, r.receiptHash, r.eventJson,
          );
        }
        db.putTiles(plan.writes);
        return plan.outcomes;
      });
    },
    putSignatures(signatures: SignatureWrite[]) {
      const problem = signatureWritesError(need.array(signatures, 'signatures') as SignatureWrite[]);
      if (problem) throw problem;
      storage.transactionSync(() => {
        for (const s of signatures) {
          check(s.tenantId);
          db.all('UPDATE records SET signature = ? WHERE event_id = ? AND signature IS NULL', s.signature_b64url, s.eventId);
        }
      });
    },
    getRecord: (eventId: string) => record(db.one('SELECT * FROM records WHERE event_id = ?', need.text(eventId, 'eventId'))),
    /**
     * Fewer than `limit` once the page holds RECORDS_ANSWER_CHARS of event text (always one record): a page
     * of large events travels twice in one JSON answer (the event and its text), and 500 of them overran
     * V8's longest string, or an isolate's memory, on every try. Leaf indexes are 0..size-1, one row each.
     */
    records(from: number, to: number, limit: number) {
      const end = Math.min(need.count(to, 'to'), need.count(from, 'from') + need.count(limit, 'limit'), size());
      const page: StoredRecord[] = [];
      for (let i = from, chars = 0; i < end; i++) {
        const next = record(db.one('SELECT * FROM records WHERE leaf_index = ?', i))!;
        chars += next.eventJson.length;
        if (page.length > 0 && chars > RECORDS_ANSWER_CHARS) break;
        page.push(next);
      }
      return page;
    },
    logSize: size,
    readTiles: (refs: TileRef[]) => db.tiles(need.tiles(refs, 'tiles'), `tenant log ${tenantOf()}`),
    entryData: (from: number, to: number) =>
      db.all('SELECT receipt_hash FROM records WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index', need.count(from, 'from'), need.count(to, 'to')).map((row) => bytesOf(row.receipt_hash)),
    /** Raises this log's closed_until (never lowers it; the root checks the order). */
    close: (until: string) => raiseClosed(need.time(until, 'until')),
    sizeAt: (time: string) => countBefore(size(), (i) => timeAt(i)!, need.time(time, 'time')),
    timeAt: (i: number) => timeAt(need.count(i, 'leafIndex')),
  };
}

/** The methods of the root log object. */
export function rootLogMethods(storage: DurableStorageLike) {
  const db = sqlOf(storage);
  storage.sql.exec(ROOT_SCHEMA);
  // The object (re)starts: a deploy, a crash, an eviction. A lease from before is void: the alarm's sealer
  // that ran in this object died with it, and a Worker's seal cut off by a deploy would otherwise hold every
  // seal for the rest of the 60 s. A sealer elsewhere that lives on only loses its turn: if another seals the
  // period first, its commit is refused (ERR_ALREADY_SEALED) and nothing is lost.
  storage.sql.exec('DELETE FROM seal_lease');
  const head = (row: Row | undefined): StoredHead | undefined => row && { headIndex: Number(row.head_index), head: JSON.parse(row.head_json as string) as TenantHead };
  const latest = () => checkpointOfRow(db.one('SELECT * FROM checkpoints ORDER BY seq DESC LIMIT 1'));
  const rootSize = () => Number(db.one('SELECT coalesce(max(head_index) + 1, 0) AS n FROM heads')!.n);

  return {
    /** A tenant log's first append: it is in every close from now on; answers the closed_until it must honour. */
    register(tenantId: string): string | undefined {
      need.text(tenantId, 'tenantId');
      db.all('INSERT INTO tenants (tenant_id) VALUES (?) ON CONFLICT DO NOTHING', tenantId);
      return db.meta('closed_until');
    },
    /** Raises closed_until and answers every registered tenant, whose logs the store then closes. */
    close(until: string): string[] {
      need.time(until, 'until');
      return storage.transactionSync(() => {
        const current = db.meta('closed_until');
        if (current !== undefined && until < current) throw new AegisLogError('ERR_PERIOD_ORDER', `closed_until is ${current}; cannot close at the earlier ${until}`);
        db.putMeta('closed_until', until);
        return db.all('SELECT tenant_id FROM tenants ORDER BY tenant_id').map((r) => r.tenant_id as string);
      });
    },
    closedUntil: () => db.meta('closed_until'),
    /** Each registered tenant (ascending) with the size and root-log index of its last head. */
    tenantHeads: () =>
      db.all(
        `SELECT t.tenant_id, h.tree_size, h.head_index FROM tenants t
         LEFT JOIN heads h ON h.head_index = (SELECT head_index FROM heads WHERE tenant_id = t.tenant_id ORDER BY tree_size DESC LIMIT 1)
         ORDER BY t.tenant_id`,
      ).map((r) => ({ tenantId: r.tenant_id as string, headSize: Number(r.tree_size ?? 0), lastHeadIndex: r.head_index === null ? null : Number(r.head_index) })),
    logSize: rootSize,
    readTiles: (refs: TileRef[]) => db.tiles(need.tiles(refs, 'tiles'), 'the root log'),
    entryData: (from: number, to: number) =>
      db.all('SELECT head_json FROM heads WHERE head_index >= ? AND head_index < ? ORDER BY head_index', need.count(from, 'from'), need.count(to, 'to')).map((r) => headEntry(head(r)!)),
    commitSeal(value: SealCommit): StoredCheckpoint {
      const seal = checkedSeal(value);
      return storage.transactionSync(() => {
        const before = latest();
        const problem = sealOrderError(before, seal, rootSize());
        if (problem) throw problem;
        db.putTiles(seal.rootWrites);
        for (const { head: h, headIndex } of seal.heads) {
          db.all('INSERT INTO heads (head_index, tenant_id, period_start, tree_size, head_json) VALUES (?, ?, ?, ?, ?)', headIndex, h.tenant_id, h.period_start, h.tree_size, JSON.stringify(h));
        }
        const seq = (before?.seq ?? -1) + 1;
        db.all('INSERT INTO checkpoints (seq, period_start, period_end, tree_size, sealed_at, note) VALUES (?, ?, ?, ?, ?, ?)', seq, seal.period_start, seal.period_end, seal.rootSize, seal.sealed_at, seal.note);
        return { seq, note: seal.note, tree_size: seal.rootSize, period_start: seal.period_start, period_end: seal.period_end, sealed_at: seal.sealed_at };
      });
    },
    latestCheckpoint: latest,
    checkpoints: (from: number, to: number) => db.all('SELECT * FROM checkpoints WHERE seq >= ? AND seq < ? ORDER BY seq', need.count(from, 'from'), need.count(to, 'to')).map((r) => checkpointOfRow(r)!),
    updateNote(seq: number, note: string) {
      need.count(seq, 'seq');
      need.text(note, 'note');
      if (!db.one('SELECT seq FROM checkpoints WHERE seq = ?', seq)) throw new Error(`no checkpoint ${seq}`);
      db.all('UPDATE checkpoints SET note = ? WHERE seq = ?', note, seq);
    },
    headFor: (tenantId: string, periodStart: string) =>
      head(db.one('SELECT head_index, head_json FROM heads WHERE tenant_id = ? AND period_start = ?', need.text(tenantId, 'tenantId'), need.text(periodStart, 'periodStart'))),
    headCovering(tenantId: string, leafIndex: number) {
      need.text(tenantId, 'tenantId');
      need.count(leafIndex, 'leafIndex');
      const found = head(db.one('SELECT head_index, head_json FROM heads WHERE tenant_id = ? AND tree_size > ? ORDER BY tree_size LIMIT 1', tenantId, leafIndex));
      return found && found.head.prev_tree_size <= leafIndex ? found : undefined;
    },
    lastHead: (tenantId: string) => head(db.one('SELECT head_index, head_json FROM heads WHERE tenant_id = ? ORDER BY tree_size DESC LIMIT 1', need.text(tenantId, 'tenantId'))),
    heads: (tenantId: string, after: number | null, limit: number) =>
      db
        .all('SELECT head_index, head_json FROM heads WHERE tenant_id = ? AND head_index > ? ORDER BY head_index LIMIT ?', need.text(tenantId, 'tenantId'), after === null ? -1 : need.count(after, 'after'), need.count(limit, 'limit'))
        .map((r) => head(r)!),
    headAt: (headIndex: number) => head(db.one('SELECT head_index, head_json FROM heads WHERE head_index = ?', need.count(headIndex, 'headIndex'))),
    witnessSizes: () => Object.fromEntries(db.all("SELECT key, value FROM meta WHERE key LIKE 'witness:%'").map((r) => [(r.key as string).slice('witness:'.length), Number(r.value)])),
    putWitnessSize(witness: string, size: number) {
      need.text(witness, 'witness');
      need.count(size, 'size');
      const key = `witness:${witness}`;
      db.putMeta(key, String(Math.max(size, Number(db.meta(key) ?? 0))));
    },
    putKey(jwk: EcPublicJwk & { kid: string }) {
      need.text(need.object(jwk, 'jwk').kid, 'jwk.kid');
      db.all('INSERT INTO signing_keys (kid, jwk_json) VALUES (?, ?) ON CONFLICT DO NOTHING', jwk.kid, JSON.stringify(jwk));
    },
    keys: () => db.all('SELECT jwk_json FROM signing_keys ORDER BY n').map((r) => JSON.parse(r.jwk_json as string) as EcPublicJwk & { kid: string }),
    /** A lease row with an expiry: a sealer that died (a Worker invocation has no session to watch) loses it when it expires. */
    acquireSealLease(holder: string, now: number, ttlMs: number): boolean {
      need.text(holder, 'holder');
      need.number(now, 'now');
      need.number(ttlMs, 'ttlMs');
      return storage.transactionSync(() => {
        const row = db.one('SELECT holder, until FROM seal_lease WHERE id = 1');
        if (row && row.holder !== holder && Number(row.until) > now) return false;
        db.all('INSERT INTO seal_lease (id, holder, until) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, until = excluded.until', holder, now + ttlMs);
        return true;
      });
    },
    releaseSealLease(holder: string) {
      need.text(holder, 'holder');
      db.all('DELETE FROM seal_lease WHERE holder = ?', holder);
    },
  };
}

export type TenantLogMethods = ReturnType<typeof tenantLogMethods>;
export type RootLogMethods = ReturnType<typeof rootLogMethods>;

/**
 * A tenant's log object for a Durable Object: `fetch` answers the store's calls.
 * `root()` gives the root log object (a new stub of the object that holds it: a
 * stub may only be used by the request that made it).
 */
export function tenantLogObject(storage: DurableStorageLike, root: () => LogObject): LogObject {
  const methods = tenantLogMethods(storage, root);
  return { fetch: (request) => answerLogCall(methods, request) };
}

/** The root log object for a Durable Object (the one that seals, in the example). */
export function rootLogObject(storage: DurableStorageLike): LogObject {
  const methods = rootLogMethods(storage);
  return { fetch: (request) => answerLogCall(methods, request) };
}

const toRecord = (tenantId: string, row: Row): StoredRecord => recordOfRow(row, tenantId, bytesOf(row.receipt_hash));

/** A BLOB as workerd gives it (an ArrayBuffer) as a Uint8Array of its own. */
function bytesOf(value: unknown): Uint8Array {
  return value instanceof ArrayBuffer ? new Uint8Array(value.slice(0)) : new Uint8Array(value as Uint8Array);
}
