/**
 * The two kinds of log object behind `durableObjectStore`, each over one Durable
 * Object's SQLite storage (`ctx.storage`):
 *
 * - a tenant log: one per tenant, its sequencer. Its records, tiles, its own
 *   `closed_until` and whether it is armed (below) live in its storage. An append
 *   reads, plans and writes in one synchronous transaction, so nothing else runs on
 *   the object in between (a Durable Object runs one event at a time between
 *   awaits), and the answer leaves only once the write is durable (the output gate).
 * - the root log: one per deployment. The tenant registry, the armed set,
 *   `closed_until`, heads, root-log tiles, checkpoints, keys, witness sizes and the
 *   seal lease.
 *
 * A seal touches only armed tenant logs (PROTOCOL.md §9: O(tenants that grew)), yet
 * closes its period for every tenant (§4.1). A tenant log that is not armed (a new
 * one, or one a close disarmed) asks the root before it commits an append (`arm`):
 * the root puts it in the armed set under a new generation (one counter for all) and
 * answers its `closed_until`, which the log takes before it commits. A close raises
 * the root's `closed_until` and answers the armed set (`closeArmed`); the store closes
 * each of those logs, passing the root's generation. A log whose entries are all below
 * the close's end disarms itself at the larger of its and the root's generation and
 * answers that generation and its size; the root (`disarm`) drops it once a committed
 * head covers that size, and only while its generation is still that one. Two
 * invariants carry §4.1 and §9:
 *
 * (A) A log that says it is armed is in the armed set. It takes a grant only if its
 *     generation is above every generation the log has held, armed or disarmed; the
 *     root drops it only for the generation it disarmed at, which is then its own.
 *     So a grant made before a disarm is stale when it arrives, and one made after
 *     outlives the disarm's report.
 * (B) A log holding entries no committed head covers is in the armed set: it disarms
 *     only with every entry below the close's end, the root waits for a head of that
 *     size, and any later entry is committed armed (A).
 * By (A), a log outside the set commits nothing before it asks the root, whose answer
 * is the latest `closed_until`; every log in it is closed before `closePeriod`
 * resolves. By (B), `grownLogs` and `earliestPending` miss no entry. The cost: a log
 * that a seal finds with no entry after its end disarms even if it is busy, and its
 * next append makes two more calls to the root (the arm, shared by the appends that
 * wait for it, and the time of its first entry): at most once a period per log.
 *
 * Interleavings considered:
 * - An append awaiting `arm` while a close runs. Granted after `closeArmed`: the grant
 *   carries the new `closed_until`. Granted before: the log is in the close's list with
 *   that generation; if the append commits before the close reaches the log, its entry
 *   comes before the close in the log's order and is in the head (§4.2); if the close
 *   disarms the log first, it does so at that generation, the grant arrives stale and
 *   the append arms again.
 * - A close that runs after an append's grant took effect in the log but before the append planned (its call was
 *   under way while the grant's answer arrived): the plan's transaction finds the log disarmed and arms again. An
 *   append commits only in a transaction that sees the log armed; one that adds nothing (every event logged
 *   before: a client's retry) does not arm at all.
 * - Two appends arming at once: the log keeps the larger generation; a smaller grant
 *   arriving later leaves it armed as it is.
 * - A seal that fails after closing (its commit refused, its object gone) and is
 *   retried for the same period: the logs that disarmed are still in the set, with the
 *   size they reported, until a head covers it: the retry closes them again, finds them
 *   grown and gives them their heads; `commitSeal` then drops them.
 * - A seal cut off part way through its closes (a call failed: Cloudflare's cap on an invocation's subrequests, a
 *   log object down): the closes that answered are kept with their disarms (`keepCloses`); tried again, the seal's
 *   `closeArmed` says which are kept for that end, and only the rest are closed. A kept close stays true: nothing
 *   is added to a log below its closed end, and heads change only by this period's commit. A log armed after the
 *   close has nothing kept for that end: `grownLogs` asks when its first uncovered entry was stamped (the end or
 *   later, so it has not grown in the period).
 * - A disarm report lost (the store died between the close and `disarm`, or the call
 *   failed): the log stays in the set, and the next close finds it disarmed with every
 *   entry below the end and reports again. An `arm` whose answer was lost leaves the
 *   root a generation the log never learned: the next close passes it to the log.
 * - The root object restarted: every bit of this lives in its storage; only the seal
 *   lease is dropped, as before.
 * - The lease, and two stores (a front Worker and the sealing object) over the same
 *   objects: a disarm depends on the log's entries and on committed heads, not on which
 *   seal closed it, and stores hold nothing; a second sealer that lost its lease closes
 *   and commits in `closed_until` order, as before.
 * - Upgrade: a root with a registry and no generation counter arms every registered
 *   tenant once (the first seals visit each, the idle ones disarm); a log with no armed
 *   flag is not armed. `register` (tenant logs of the version before) arms and answers
 *   `closed_until`; such a log answers no generation to a close, so it stays armed. `close`
 *   and `tenantHeads` answer the armed set to stores of that version, which never disarm:
 *   a log outside the set asks before it commits. A new log whose root is of the version
 *   before (no `arm`) registers and appends unarmed, asking again at each append: that
 *   root closes every registered tenant. If the root is deployed between the `arm` and the
 *   `register` (the new `register` arms at a generation the log never learns) and a close
 *   disarms the log meanwhile, the log sees its generation moved and asks again. A tenant log with no `closeAt`
 *   (the version before) is closed with `close`, and the seal asks it the rest (`timeAt`, `sizeAt`, tiles); a root
 *   with no `noteSince` leaves `earliestPending` asking the armed logs. A store of this version seals only with a root
 *   of this version (`closeArmed`, `disarm`): against one before, its seal fails typed
 *   (ERR_LOG_OBJECT_CALL) and is tried again later. Not covered: back to the version
 *   before and forward again. Its tenant logs, once registered, append without asking
 *   the root, so a log this version disarmed that takes entries then, which no seal of
 *   that version covers, is outside the armed set after the second upgrade until it
 *   appends again.
 */
import { AegisLogError, sha256 } from '../protocol/index.js';
import type { EcPublicJwk, TenantHead } from '../protocol/index.js';
import { edgeTilesOf, type TileWrite } from '../tlog/tile-append.js';
import { rootFromTiles } from '../tlog/tile-proofs.js';
import type { TileRef } from '../tlog/tiles.js';
import { checkedAppend, checkedCloses, checkedDisarms, checkedSeal, checkedSinceNotes, need, type TenantAppend } from './log-object-checks.js';
import { answerLogCall, callLogObject, type LogObject } from './log-object-wire.js';
import { EMPTY_LOG, planAppend } from './sequence.js';
import { countBefore, headEntry, mergeNotes, missingTile, recordsPage, sealOrderError, signatureWritesError } from './store-rules.js';
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

/**
 * `armed`: the armed set; `disarm_at`, once its log disarmed, the size a committed head must reach before it leaves.
 * `pending_since`: what stores learned of a tenant log (`noteSince`): the received_at of its entry at `head_size`.
 * Entries never change, so it holds while the tenant's last head has that size: then it is the tenant's first entry no
 * head covers, which `earliestPending` would otherwise ask the log for (a call, a subrequest, per armed tenant).
 * `closes`: each tenant log's last close (`keepCloses`): its size at `period_end`, its root there, the time of its
 * entry at that size. A seal that failed part way (Cloudflare's cap on the subrequests of one invocation: 50 on
 * the free plan) closes only the logs left when it is tried again, and reads sizes and roots from here.
 * `heads_tenant`: `heads` in head-index order; without it each page sorted all of the tenant's heads (8 ms at 10^5
 * of them). Built at the first start of a root object that lacks it.
 */
const ROOT_SCHEMA = `
CREATE TABLE IF NOT EXISTS tenants (tenant_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS armed (tenant_id TEXT PRIMARY KEY, generation INTEGER NOT NULL, disarm_at INTEGER);
CREATE TABLE IF NOT EXISTS pending_since (tenant_id TEXT PRIMARY KEY, head_size INTEGER NOT NULL, since TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS closes (tenant_id TEXT PRIMARY KEY, period_end TEXT NOT NULL, size INTEGER NOT NULL, root BLOB, next TEXT);
CREATE TABLE IF NOT EXISTS tiles (level INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (level, idx));
CREATE TABLE IF NOT EXISTS heads (
  head_index INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, period_start TEXT NOT NULL, tree_size INTEGER NOT NULL, head_json TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS heads_period ON heads (tenant_id, period_start);
CREATE UNIQUE INDEX IF NOT EXISTS heads_size ON heads (tenant_id, tree_size);
CREATE INDEX IF NOT EXISTS heads_tenant ON heads (tenant_id, head_index);
CREATE TABLE IF NOT EXISTS checkpoints (
  seq INTEGER PRIMARY KEY, period_start TEXT NOT NULL UNIQUE, period_end TEXT NOT NULL UNIQUE,
  tree_size INTEGER NOT NULL, sealed_at TEXT NOT NULL, note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS signing_keys (n INTEGER PRIMARY KEY, kid TEXT NOT NULL UNIQUE, jwk_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seal_lease (id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL, until INTEGER NOT NULL);
`;

/** A time kept in `pending_since` is replaced by one for the same or a larger head size, never a smaller (a stale report). */
const KEEP_LARGER_HEAD_SIZE =
  'ON CONFLICT (tenant_id) DO UPDATE SET head_size = excluded.head_size, since = excluded.since WHERE excluded.head_size >= pending_since.head_size';

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

/** What `arm` answers: the `closed_until` to honour, and the generation the log is armed at (none from a root of the version before). */
export interface ArmGrant {
  closed_until: string | undefined;
  generation: number | undefined;
}

/** What a tenant log's own arm left: its generation, whether it is armed (not after `register`), and its size then. */
interface Armed {
  armed: boolean;
  generation: number;
  size: number;
}

/** What a tenant log's `close` answers when it disarmed: the generation it disarmed at and its size, for the root's `disarm`. */
export interface Disarmed {
  generation: number;
  size: number;
}

/**
 * What a tenant log's `closeAt` answers: all a seal asks of the log, in the one call that closes it (PROTOCOL.md
 * §9 on Durable Objects, where each call is a subrequest and an invocation may make 50 on the free plan).
 */
export interface Closed {
  /** Set when the log disarmed (every entry below the close's end): for the root's `disarm`. */
  disarmed?: Disarmed;
  /** The log's size at the close's end: its entries stamped before it. */
  size: number;
  /** The root of the tree of `size` entries, when that is above the head size given (the log grew before the end). */
  root?: Uint8Array;
  /** received_at of the entry at `size` (the first after the end), if any: the first no head covers once this seal commits. */
  next?: string;
}

/**
 * Asks the root to arm `tenantId`. A root of the version before has no `arm` (a rolling deploy): its
 * `register` answers `closed_until`, and since that root closes every registered tenant, the log may
 * append unarmed; it asks again at its next append.
 */
async function armAt(root: () => LogObject, tenantId: string): Promise<ArmGrant> {
  try {
    return await callLogObject<ArmGrant>(root(), 'arm', [tenantId]);
  } catch (error) {
    if (!(error instanceof AegisLogError && error.code === 'ERR_LOG_OBJECT_CALL')) throw error;
    return { closed_until: await callLogObject<string | undefined>(root(), 'register', [tenantId]), generation: undefined };
  }
}

/** A tenant log that seals kept disarming while it armed: the append may be retried (503). */
const disarmedEachTime = (tenantId: string) =>
  new AegisLogError('ERR_STORE_UNAVAILABLE', `tenant log ${tenantId} was disarmed by a seal each time it armed; retry`);

/** The methods of one tenant's log object; `root()` reaches the root log (arming). */
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
  /** Armed: the root has this log in its armed set (invariant A). A log of the version before has no flag: not armed. */
  const armed = () => db.meta('armed') === 'true';
  /** The largest generation this log has held, armed or disarmed (0: none). */
  const generation = () => Number(db.meta('generation') ?? 0);

  /**
   * Arms this log before it commits; a grant that a close made stale meanwhile is asked for again. Answers the
   * log's generation then, whether it is armed (not, after a root of the version before: registered), and its size.
   */
  async function arm(tenantId: string): Promise<Armed> {
    for (let tries = 0; tries < 3; tries++) {
      const asked = generation();
      const grant = await armAt(root, tenantId);
      check(tenantId);
      const done = storage.transactionSync(() => {
        raiseClosed(grant.closed_until);
        if (tenantOf() === undefined) db.putMeta('tenant_id', tenantId);
        // A root of the version before (`register` only): registered is enough, since it closes every registered
        // tenant, unless a close disarmed this log meanwhile: then that root was this version's by the time it
        // answered (a deploy between `arm` and `register`), armed it at a generation the log never learned, and
        // may have dropped it since. Ask again (the root now has `arm`).
        if (grant.generation === undefined) return generation() === asked || armed();
        if (grant.generation > generation()) {
          db.putMeta('generation', String(grant.generation));
          db.putMeta('armed', 'true');
        }
        return armed();
      });
      if (done) return { armed: armed(), generation: generation(), size: size() };
    }
    throw disarmedEachTime(tenantId);
  }

  /**
   * Raises closed_until to `until` (never lowers it) and, given the root's generation for this log (a store of the version before
   * gives none, and never disarms), disarms it when every entry is below `until`, at the larger of its own
   * generation and the root's (a grant in flight is then stale, invariant A). One transaction.
   */
  const closeLog = (until: string, rootGeneration: number | undefined): Closed =>
    storage.transactionSync(() => {
      raiseClosed(until);
      const n = size();
      const atEnd = countBefore(n, (i) => timeAt(i)!, until);
      const closed: Closed = { size: atEnd, next: atEnd < n ? timeAt(atEnd) : undefined };
      if (rootGeneration === undefined || atEnd < n) return closed;
      const at = Math.max(generation(), rootGeneration);
      db.putMeta('generation', String(at));
      db.putMeta('armed', 'false');
      return { ...closed, disarmed: { generation: at, size: n } };
    });

  /** The arm in flight: appends that find the log unarmed at once share one call to the root, not one each. */
  let arming: Promise<Armed> | undefined;
  const armShared = (tenantId: string) => (arming ??= arm(tenantId).finally(() => (arming = undefined)));

  return {
    /**
     * Plans and commits in one synchronous transaction, so nothing else runs on the object in between. An append
     * that adds an entry commits only while the log is armed (invariant B): a log that is not arms first and plans
     * again, and one that a close disarmed after its arm (a close's call can run while the arm's answer is on its
     * way to this code) arms again. An append that adds nothing (every event already logged) needs no arm.
     */
    async append(value: TenantAppend): Promise<AppendOutcome[]> {
      const request = checkedAppend(value);
      check(request.tenantId);
      /** What this append's own arm left: after a root of the version before, the log may commit unarmed while its generation holds. */
      let granted: Armed | undefined;
      for (let tries = 0; ; tries++) {
        const plan = storage.transactionSync(() => {
          const n = size();
          const state = { ...EMPTY_LOG, size: n, lastReceivedAt: n === 0 ? undefined : timeAt(n - 1) };
          const edge: Uint8Array[] = [];
          for (const t of edgeTilesOf(n)) edge[t.level] = db.tiles([t], 'this tenant log')[0]!;
          const existing = (eventId: string) => record(db.one('SELECT * FROM records WHERE event_id = ?', eventId));
          const plan = planAppend({ ...request, sha256 }, state, db.meta('closed_until'), existing, edge);
          const mayCommit = armed() || (granted !== undefined && !granted.armed && generation() === granted.generation);
          if (plan.added.length > 0 && !mayCommit) return undefined; // nothing written: arm, then plan again
          for (const r of plan.added) {
            const s = r.statement;
            db.all(
              `INSERT INTO records (leaf_index, event_id, received_at, digest, key_id, trace_id, signature, receipt_hash, event_json) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
              r.leafIndex, s.event_id, s.received_at, s.digest_b64url, s.key_id, r.trace_id, r.receiptHash, r.eventJson,
            );
          }
          db.putTiles(plan.writes);
          return plan;
        });
        if (!plan) {
          if (tries === 2) break;
          granted = await armShared(request.tenantId);
          continue;
        }
        // A log that armed holds a new first entry, likely the first no head covers: tell the root its time, so that
        // a seal's `earliestPending` need not ask this log (a subrequest of the alarm's). A fact whatever the heads
        // (the entry at that index has that time); the root uses it while the last head has that size. Only a saving.
        const first = plan.added[0];
        if (granted && first?.leafIndex === granted.size) { // the first entry since the arm: one note, however many appends shared it
          const note = { tenantId: request.tenantId, headSize: first.leafIndex, since: first.statement.received_at };
          await callLogObject(root(), 'noteSince', [[note]]).catch(() => {});
        }
        return plan.outcomes;
      }
      throw disarmedEachTime(request.tenantId);
    },
    putSignatures(signatures: SignatureWrite[]) {
      const problem = signatureWritesError(need.array(signatures, 'signatures') as SignatureWrite[]);
      if (problem) throw problem;
      storage.transactionSync(() => {
        for (const s of signatures) {
          check(s.tenantId);
          db.all('UPDATE records SET signature = ? WHERE leaf_index = ? AND event_id = ? AND signature IS NULL', s.signature_b64url, s.leafIndex, s.eventId);
        }
      });
    },
    getRecord: (eventId: string) => record(db.one('SELECT * FROM records WHERE event_id = ?', need.text(eventId, 'eventId'))),
    /**
     * Fewer than `limit` once the page holds RECORDS_PAGE_CHARS of event text (always one record): a page
     * of large events travels twice in one JSON answer (the event and its text), and 500 of them overran
     * V8's longest string, or an isolate's memory, on every try. Leaf indexes are 0..size-1, one row each.
     */
    records(from: number, to: number, limit: number) {
      const end = Math.min(need.count(to, 'to'), need.count(from, 'from') + need.count(limit, 'limit'), size());
      // One row read at a time, as recordsPage takes them: rows past the page's size are never read.
      function* rows(): Generator<StoredRecord> {
        for (let i = from; i < end; i++) yield record(db.one('SELECT * FROM records WHERE leaf_index = ?', i))!;
      }
      return recordsPage(rows(), (r) => r.eventJson.length);
    },
    logSize: size,
    readTiles: (refs: TileRef[]) => db.tiles(need.tiles(refs, 'tiles'), `tenant log ${tenantOf()}`),
    entryData: (from: number, to: number) =>
      db.all('SELECT receipt_hash FROM records WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index', need.count(from, 'from'), need.count(to, 'to')).map((row) => bytesOf(row.receipt_hash)),
    /** `closeLog` for stores that give no head size (the root checks the order): answers only the disarm, if any. */
    close(until: string, rootGeneration?: number): Disarmed | undefined {
      need.time(until, 'until');
      if (rootGeneration !== undefined) need.count(rootGeneration, 'generation');
      return closeLog(until, rootGeneration).disarmed;
    },
    /**
     * `close`, for a store of this version, which gives the size of the log's last head: it also answers what
     * the seal would otherwise ask in calls of their own (`timeAt`, `sizeAt`) and a tile read (the root), so
     * that a seal makes one call per tenant log it closes. The root is computed after the close's transaction:
     * entries only follow those below the end, so the tiles of that prefix do not change meanwhile.
     */
    async closeAt(until: string, rootGeneration: number, headSize: number): Promise<Closed> {
      need.time(until, 'until');
      need.count(rootGeneration, 'generation');
      need.count(headSize, 'headSize');
      const closed = closeLog(until, rootGeneration);
      if (closed.size <= headSize) return closed;
      const root = await rootFromTiles(closed.size, { read: async (refs) => db.tiles(refs, `tenant log ${tenantOf()}`) });
      return { ...closed, root };
    },
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
  // First start over the storage of a version before the armed set: every registered tenant may hold entries
  // no head covers, and its log counts as not armed. Arm each once: the next seals visit it, and it disarms.
  storage.transactionSync(() => {
    if (db.meta('generation') !== undefined) return;
    db.all('INSERT OR IGNORE INTO armed (tenant_id, generation) SELECT tenant_id, 1 FROM tenants');
    db.putMeta('generation', '1');
  });
  const head = (row: Row | undefined): StoredHead | undefined => row && { headIndex: Number(row.head_index), head: JSON.parse(row.head_json as string) as TenantHead };
  const latest = () => checkpointOfRow(db.one('SELECT * FROM checkpoints ORDER BY seq DESC LIMIT 1'));
  const rootSize = () => Number(db.one('SELECT coalesce(max(head_index) + 1, 0) AS n FROM heads')!.n);
  const lastHeadSize = (tenantId: string) => Number(db.one('SELECT coalesce(max(tree_size), 0) AS n FROM heads WHERE tenant_id = ?', tenantId)!.n);
  const arm = (tenantId: string): ArmGrant =>
    storage.transactionSync(() => {
      const generation = Number(db.meta('generation')) + 1;
      db.putMeta('generation', String(generation));
      // The registry keeps every tenant ever armed: a root of the version before closes each of them.
      db.all('INSERT INTO tenants (tenant_id) VALUES (?) ON CONFLICT DO NOTHING', tenantId);
      db.all(
        'INSERT INTO armed (tenant_id, generation, disarm_at) VALUES (?, ?, NULL) ON CONFLICT (tenant_id) DO UPDATE SET generation = excluded.generation, disarm_at = NULL',
        tenantId, generation,
      );
      return { closed_until: db.meta('closed_until'), generation };
    });
  /**
   * Each armed tenant (ascending) with its generation, the size and root-log index of its last head, and, when
   * `pending_since` holds for that size, the received_at of its first entry no head covers.
   */
  const armedTenants = (periodEnd = '') =>
    db
      .all(
        `SELECT t.tenant_id, t.generation, h.tree_size, h.head_index, p.head_size AS since_size, p.since, c.size AS closed_size, c.root AS closed_root
         FROM armed t
         LEFT JOIN heads h ON h.head_index = (SELECT head_index FROM heads WHERE tenant_id = t.tenant_id ORDER BY tree_size DESC LIMIT 1)
         LEFT JOIN pending_since p ON p.tenant_id = t.tenant_id
         LEFT JOIN closes c ON c.tenant_id = t.tenant_id AND c.period_end = ?
         ORDER BY t.tenant_id`,
        periodEnd,
      )
      .map((r) => {
        const headSize = Number(r.tree_size ?? 0);
        const since = r.since !== null && r.since !== undefined && Number(r.since_size) === headSize ? (r.since as string) : undefined;
        const closed = r.closed_size === null || r.closed_size === undefined ? undefined : { size: Number(r.closed_size), root: r.closed_root === null ? undefined : bytesOf(r.closed_root) };
        return { tenantId: r.tenant_id as string, generation: Number(r.generation), headSize, lastHeadIndex: r.head_index === null ? null : Number(r.head_index), since, closed };
      });
  /** Raises closed_until (never lowers it) and answers the armed set (`armedTenants`), with the closes kept for `until`. */
  const close = (until: string) =>
    storage.transactionSync(() => {
      const current = db.meta('closed_until');
      if (current !== undefined && until < current) throw new AegisLogError('ERR_PERIOD_ORDER', `closed_until is ${current}; cannot close at the earlier ${until}`);
      db.putMeta('closed_until', until);
      return armedTenants(until);
    });
  /** The `disarm` of one report, inside a transaction. */
  const disarmOne = ({ tenantId, generation, size }: { tenantId: string; generation: number; size: number }) => {
    const row = db.one('SELECT generation FROM armed WHERE tenant_id = ?', tenantId);
    if (row === undefined || Number(row.generation) !== generation) return; // armed again since: that arm wins
    if (lastHeadSize(tenantId) >= size) db.all('DELETE FROM armed WHERE tenant_id = ?', tenantId);
    else db.all('UPDATE armed SET disarm_at = ? WHERE tenant_id = ?', size, tenantId);
  };

  return {
    /** A tenant log about to commit while not armed: it is in every close until it disarms; answers the closed_until it must honour. */
    arm: (tenantId: string) => arm(need.text(tenantId, 'tenantId')),
    /** `arm` for tenant logs of the version before, which register on their first append and never disarm. */
    register: (tenantId: string): string | undefined => arm(need.text(tenantId, 'tenantId')).closed_until,
    /** Raises closed_until and answers the armed tenants, whose logs the store then closes, passing each its generation and head size. */
    closeArmed: (until: string) => close(need.time(until, 'until')),
    /** `closeArmed` for stores of the version before: the armed tenants' ids (a tenant outside the set arms before it commits). */
    close: (until: string): string[] => close(need.time(until, 'until')).map((t) => t.tenantId),
    /**
     * The tenant logs that disarmed in a close, each with the generation it disarmed at and its size: one is dropped
     * from the armed set once a committed head covers that size (now, or at that `commitSeal`), unless it armed since.
     */
    disarm(value: (Disarmed & { tenantId: string })[]) {
      const reports = checkedDisarms(value);
      storage.transactionSync(() => reports.forEach(disarmOne));
    },
    /**
     * What tenant logs' `closeAt` answered for the close at `periodEnd`, kept so that a seal tried again closes only
     * the logs left, and takes sizes and roots from here (`closedLogs`); with each one that disarmed, its `disarm`.
     */
    keepCloses(periodEnd: string, value: (Closed & { tenantId: string })[]) {
      need.time(periodEnd, 'periodEnd');
      const closes = checkedCloses(value);
      storage.transactionSync(() => {
        for (const c of closes) {
          db.all(
            'INSERT INTO closes (tenant_id, period_end, size, root, next) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET period_end = excluded.period_end, size = excluded.size, root = excluded.root, next = excluded.next',
            c.tenantId, periodEnd, c.size, c.root ?? null, c.next ?? null,
          );
          if (c.disarmed) disarmOne({ tenantId: c.tenantId, ...c.disarmed });
        }
      });
    },
    /** The armed tenants (`armedTenants`), each with its close kept for `periodEnd` (`closed`), if any. */
    closedLogs: (periodEnd: string) => armedTenants(need.time(periodEnd, 'periodEnd')),
    /**
     * Keeps what a store learned of tenant logs: the received_at of the entry at `headSize` of each. One already
     * kept for a larger head size stays (a report that raced a seal's).
     */
    noteSince(value: { tenantId: string; headSize: number; since: string }[]) {
      const notes = checkedSinceNotes(value);
      storage.transactionSync(() => {
        for (const { tenantId, headSize, since } of notes) {
          db.all(`INSERT INTO pending_since (tenant_id, head_size, since) VALUES (?, ?, ?) ${KEEP_LARGER_HEAD_SIZE}`, tenantId, headSize, since);
        }
      });
    },
    closedUntil: () => db.meta('closed_until'),
    /** Each armed tenant (ascending), as `closeArmed` answers it: by invariant B, every one that may have grown. */
    tenantHeads: () => armedTenants(),
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
          // A log that disarmed with this many entries (and has not armed since) is covered now.
          db.all('DELETE FROM armed WHERE tenant_id = ? AND disarm_at <= ?', h.tenant_id, h.tree_size);
        }
        // Each log closed for this period that holds entries after its end: the first of them is now the first no
        // head covers (its last head, new or not, has the close's size).
        db.all(
          `INSERT INTO pending_since (tenant_id, head_size, since) SELECT tenant_id, size, next FROM closes WHERE period_end = ? AND next IS NOT NULL ${KEEP_LARGER_HEAD_SIZE}`,
          seal.period_end,
        );
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
      const row = db.one('SELECT note FROM checkpoints WHERE seq = ?', seq);
      if (!row) throw new Error(`no checkpoint ${seq}`);
      db.all('UPDATE checkpoints SET note = ? WHERE seq = ?', mergeNotes(row.note as string, note), seq);
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
