/**
 * The store for fleets: PostgreSQL through node-postgres (`pg`, an optional peer
 * dependency loaded on first use), shared by any number of server processes.
 *
 * Sequencing (§4.1) in each append transaction, in this order:
 *  1. the tenant's log row `FOR UPDATE` (the tenant's sequencer: one writer at a time);
 *  2. a shared advisory lock that `closePeriod`'s exclusive one conflicts with, and
 *     `closed_until`, read after it, so a close either committed before this
 *     transaction read it, or waits until this transaction has committed: an entry
 *     committed after a close is never stamped inside the closed period. Taken after
 *     the row, so that a close waits only for appends that run, not for those queued
 *     on a busy log's row (every append of the fleet would queue behind that close);
 *  3. the edge tiles and the ids that exist, then the records, tiles and log row.
 * The call resolves after COMMIT, so a receipt is signed only for a durable entry.
 * Appends that arrive for one tenant while its transaction runs wait and then share
 * the next one (group commit): they would queue on the row lock anyway.
 *
 * The seal lease is a row with an expiry, plus liveness: each open store holds a
 * session advisory lock on a connection of its own, and a lease whose holder's lock
 * is gone (its process died, so PostgreSQL closed its session) is taken over at once;
 * a holder that hangs loses it at expiry. `commitSeal` also checks, under a lock,
 * that its period follows the last sealed one, so two sealers never both commit.
 *
 * A lost or refused connection, or one that goes silent (no answer within
 * `queryTimeoutMillis`: the connection is then discarded, and the database ends the
 * statement a little later), or a statement the database cancels, surfaces as `AegisLogError`
 * `ERR_STORE_UNAVAILABLE` (the server answers 503 with Retry-After; clients retry, and a
 * retried event that did commit comes back as the same entry).
 */
import type * as Pg from 'pg';
import { AegisLogError } from '../protocol/index.js';
import type { EcPublicJwk, TenantHead } from '../protocol/index.js';
import { edgeTilesOf, type TileWrite } from '../tlog/tile-append.js';
import type { TileRef } from '../tlog/tiles.js';
import { LIVE_SPACE, LOCK_CLOSE, LOCK_SEAL, LOCK_SPACE, migrate, type Queryable } from './postgres-schema.js';
import { planAppend, type LogState } from './sequence.js';
import { headEntry, mergeNotes, missingTile, RECORDS_PAGE_CHARS, sealOrderError, signatureWritesError } from './store-rules.js';
import { ROOT_LOG, type AppendOutcome, type AppendRequest, type SealCommit, type SignatureWrite, type Store, type StoredHead, type StoredRecord } from './types.js';
import { checkpointOfRow, recordOfRow, type Row } from './store-rows.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database` (libpq-style parameters such as `sslmode` included). */
  connectionString: string;
  /** Connections this process may open (default 10; a whole number ≥ 1). */
  max?: number;
  /** How long a call waits for a connection before it fails as unavailable (ms, default 5000; > 0). */
  connectionTimeoutMillis?: number;
  /**
   * How long a statement waits for the database's answer before the call fails as unavailable and its connection
   * is discarded (ms, default 30000; > 0): a network that goes silent (no FIN, no RST) would hold the call, and
   * its tenant's appends behind it, for ever. Above the waits a fault may cause (locks of a hung process held
   * until the database ends its session, 10 s). The database ends such a statement itself 1 s later (its
   * `statement_timeout`; one in `connectionString` wins), so that it does not run on, holding its locks, for an
   * answer nobody reads. Migrations at start are not bounded.
   */
  queryTimeoutMillis?: number;
  /**
   * The log's origin and period, kept in the database by the first process: every process
   * of a fleet must seal the same log the same way, so one started with others is refused.
   */
  log?: { origin: string; periodSeconds: number };
}

type Client = Pg.PoolClient;
type Query = (name: string, text: string, values?: unknown[]) => Promise<Row[]>;

/**
 * How long a session may sit idle inside a transaction before PostgreSQL ends it (a `idle_in_transaction_session_timeout`
 * in the connection string wins). A process that hangs, or whose network goes silent, mid-append holds the shared close
 * lock and its tenant's row: the next close waits for it, and every append of the fleet queues behind that close. Our
 * transactions send their statements back to back; one idle this long belongs to a process that is gone.
 */
const IDLE_IN_TRANSACTION_MS = 10_000;

/** `queryTimeoutMillis` unless told: three times the longest lock wait a hung process can cause (above). */
export const QUERY_TIMEOUT_MS = 30_000;

/** `connectionTimeoutMillis` unless told. */
export const CONNECTION_TIMEOUT_MS = 5000;

/**
 * The database's own bound on each statement (`statement_timeout` of every session the store opens): the query
 * timeout plus this. When this side gives up on a statement it only closes the connection, and PostgreSQL looks at
 * the socket again only once the statement is done: an append waiting on a row lock would wait on, holding the locks
 * it has, until the holder lets go, for an answer nobody reads. A cancel request sent at the timeout would not do:
 * it needs a new connection to the database, so it fails exactly when the network to it is what went silent, and
 * when it does arrive it cancels whatever the session then runs. The server's timer needs no network and ends the
 * statement it was set for. Above the query timeout, so that this side's is the one that answers (its connection
 * discarded); a cancel that comes first all the same (this process stalled past the margin, or an operator's
 * `pg_cancel_backend`) fails as ERR_STORE_UNAVAILABLE too (57014 below).
 */
const STATEMENT_MARGIN_MS = 1000;

/** `statement_timeout` for a store whose queries time out at `queryTimeoutMillis` (ms, as PostgreSQL takes it). */
const statementTimeout = (config: PostgresStoreOptions) => Math.min((config.queryTimeoutMillis ?? QUERY_TIMEOUT_MS) + STATEMENT_MARGIN_MS, MAX_TIMER_MS);

/**
 * TCP keepalive on every connection the store opens, after this long without a byte on it. A connection sits idle
 * between statements, and one lost without a FIN or RST (a network partition, a database host gone) shows only at its
 * next statement. The liveness connection runs none after it takes its lock: the process would go on naming, in the
 * seal lease, a lock that no session may hold any more, for ever. With keepalive the kernel probes an idle connection
 * and closes it when the probes go unanswered (Node 22's libuv: 10 probes 1 s apart, so about 20 s after the last
 * byte): the liveness lock is then taken again on a new session, and a pooled connection is discarded. Not an option:
 * a probe per idle connection every 10 s costs nothing, and the bound is well below the lease's 60 s. (node-postgres
 * takes keepalive from its options only, never from the connection string.)
 */
export const KEEPALIVE_DELAY_MS = 10_000;

/** What every connection of the store is opened with: the pool's and the liveness one. */
function connectionOptions(config: PostgresStoreOptions): Pg.ClientConfig {
  return {
    connectionString: config.connectionString,
    connectionTimeoutMillis: config.connectionTimeoutMillis ?? CONNECTION_TIMEOUT_MS,
    // node-postgres's own read timeout: the statement fails ("Query read timeout", a connection error below) and the
    // connection, released with it, is closed rather than pooled (its late answer would meet the next statement).
    query_timeout: config.queryTimeoutMillis ?? QUERY_TIMEOUT_MS,
    // The database ends a statement this side gave up on (STATEMENT_MARGIN_MS); a value in the connection string wins.
    statement_timeout: statementTimeout(config),
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
  };
}

/**
 * Every transaction of the store, at READ COMMITTED whatever the database's `default_transaction_isolation`: each
 * statement sees what committed before it, which the sequencing above depends on (closed_until read after the close
 * lock; the logs locked by a seal read again). Under REPEATABLE READ the snapshot taken before a lock wait would stamp
 * an append inside a period closed meanwhile, and a row updated while waiting for it fails (40001). (The level in
 * lower case: the word COMMIT appears on the wire in COMMIT statements only, which the fault tests' proxy looks for.)
 */
const BEGIN = 'BEGIN ISOLATION LEVEL read committed';

/** Entries per append transaction at most; appends queued beyond it wait for the next one. */
const GROUP_ENTRIES = 2000;

/**
 * The tiles of log $1 at the pairs ($2[i], $3[i]): one probe of the primary key each, a row whose data is null
 * where none is stored. Joined instead (`(level, idx) IN (SELECT * FROM unnest(…))`), the plan a connection
 * keeps once its prepared statement goes generic (from its sixth run) hashed the pairs and read every tile of
 * the log: 0.85 ms for the root log at 10^6 heads, 7.8 ms for a log of 10^7 entries, for each tile request and
 * in each append transaction (under its row lock). A scalar subquery is probed by the index in every plan.
 */
const TILES_AT = `SELECT u.level, u.idx, (SELECT data FROM aegislog_tiles t WHERE t.log = $1 AND t.level = u.level AND t.idx = u.idx) AS data
  FROM unnest($2::int[], $3::bigint[]) AS u(level, idx)`;

/**
 * A record's event text in UTF-16 units, as RECORDS_PAGE_CHARS counts it (and the other stores, with `.length`):
 * `length` counts characters, and one outside the BMP (an emoji) is two units, so a page of such text held up to twice
 * the bound. Those characters are what is left once every BMP one is removed; text all ASCII is not searched.
 */
const UTF16_UNITS = String.raw`(length(event_json) + CASE WHEN octet_length(event_json) = length(event_json) THEN 0
  ELSE length(regexp_replace(event_json, '[\u0001-\uFFFF]+', '', 'g')) END)`;

/** A seal's writes besides the logs' rows: root-log tiles, heads, the checkpoint. */
export const SEAL_WRITE = `WITH t AS (
    INSERT INTO aegislog_tiles (log, level, idx, data) SELECT '', * FROM unnest($1::int[], $2::bigint[], $3::bytea[])
    ON CONFLICT (log, level, idx) DO UPDATE SET data = excluded.data
  ), h AS (
    INSERT INTO aegislog_heads (head_index, tenant_id, period_start, tree_size, head_json)
    SELECT * FROM unnest($4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::text[])
  )
  INSERT INTO aegislog_checkpoints (seq, period_start, period_end, tree_size, sealed_at, note)
  VALUES (coalesce((SELECT max(seq) + 1 FROM aegislog_checkpoints), 0), $9, $10, $11, $12, $13)`;

/**
 * Each grown log's head and next pending entry ($1 tenants, $2 tree sizes, $3 head indexes). The logs are found by
 * `tenant_id = ANY($1)` (the primary key, in every plan) as well as joined to the heads: with the join alone, the
 * custom plan a connection runs for its first five seals (most seals: a pool seldom seals six times on one
 * connection) hashed every row of aegislog_logs, a sequential scan under the seal's row locks (1,000 heads over
 * 10^5 logs: 30 ms for the update, 10 ms with the index).
 */
export const SEAL_LOGS = `UPDATE aegislog_logs l SET head_size = u.size, last_head_index = u.idx,
    pending_since = (SELECT received_at FROM aegislog_records r WHERE r.tenant_id = u.t AND r.leaf_index = u.size)
  FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS u(t, size, idx) WHERE l.tenant_id = u.t AND l.tenant_id = ANY($1::text[])`;

/** The longest delay a Node timer keeps; node-postgres's timers would fire at once (1 ms) for a longer one. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A mistake is ERR_CONFIG naming the option, before connecting: node-postgres reads a timeout of 0 as no timeout (a
 * call would wait for ever on a database that is down or silent, never ERR_STORE_UNAVAILABLE), and `max: 0` as a
 * pool with no connection.
 */
function checkOptions(config: PostgresStoreOptions): void {
  const bad = (field: string, what: string) => new AegisLogError('ERR_CONFIG', `${field} must be ${what}`, { field });
  if (typeof config?.connectionString !== 'string' || config.connectionString === '') throw bad('connectionString', 'a postgres:// URL');
  const { max } = config;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1)) throw bad('max', 'a whole number ≥ 1');
  for (const field of ['connectionTimeoutMillis', 'queryTimeoutMillis'] as const) {
    const ms = config[field];
    if (ms !== undefined && !(typeof ms === 'number' && ms > 0 && ms <= MAX_TIMER_MS)) throw bad(field, `a number of milliseconds > 0 and ≤ ${MAX_TIMER_MS}`);
  }
}

/**
 * A connection string that node-postgres cannot parse (a password with `#` or `/` not percent-encoded, a port out of
 * range) threw the WHATWG URL's TypeError ("Invalid URL") from the first connect: ERR_CONFIG naming the option instead.
 * A client is made, not connected, to parse it as every connection will. The string is not quoted, nor the parse's
 * error kept as the cause: both hold the password.
 */
function checkConnectionString(pg: typeof Pg, config: PostgresStoreOptions): void {
  try {
    new pg.Client(connectionOptions(config));
  } catch (error) {
    throw new AegisLogError('ERR_CONFIG', `connectionString does not parse as a postgres:// URL (${(error as Error).message}): percent-encode the characters of a user name or password that URLs reserve, such as # / ? @ :`, { field: 'connectionString' });
  }
}

/** Opens the store: connects, runs the migrations, and takes this process's liveness lock. */
export async function postgresStore(options: PostgresStoreOptions | string): Promise<Store> {
  const config = typeof options === 'string' ? { connectionString: options } : options;
  checkOptions(config);
  const pg = await loadPg();
  checkConnectionString(pg, config);
  const pool = new pg.Pool({
    ...connectionOptions(config),
    max: config.max ?? 10,
    idleTimeoutMillis: 30_000,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
  });
  // An idle connection that the server drops (a restart) must not crash the process: the pool discards it.
  pool.on('error', () => {});
  // Nor one that drops while checked out: the query in flight fails (ERR_STORE_UNAVAILABLE) and the client is discarded.
  pool.on('connect', (client) => client.on('error', () => {}));
  const live = liveness(pg, config);
  try {
    // A pool connection, kept in the pool for the first calls; its statements here without the pool's read timeout
    // nor the session's statement_timeout: a migration (an index built over a large table) may run longer than any
    // statement bound, and would fail at every start. (node-postgres takes a query's own `query_timeout` before the
    // pool's; 0 would mean the pool's.) RESET brings back the session's bound, the one it was opened with, before
    // the connection serves a call; a connection on which that fails is discarded.
    const client = await pool.connect().catch((error: unknown) => {
      throw unavailable(error);
    });
    const unbounded: Queryable = { query: (text, values) => client.query({ text, values, query_timeout: MAX_TIMER_MS } as Pg.QueryConfig) };
    let broken: Error | undefined;
    try {
      await unbounded.query('SET statement_timeout = 0');
      await refuseEncoding(unbounded);
      await migrate(unbounded);
      if (config.log) await pinLog(unbounded, config.log);
    } finally {
      await client.query('RESET statement_timeout').catch((error: Error) => (broken = error));
      client.release(broken);
    }
    await live.ensure();
  } catch (error) {
    await live.end();
    await pool.end();
    throw unavailableOr(error);
  }

  const query: Query = async (name, text, values = []) => (await pool.query({ name, text, values })).rows;

  /**
   * BEGIN … COMMIT on one connection; a connection that failed is discarded, not reused. `begin` may hold more
   * statements, sent in the same round trip: `body` gets the rows of each.
   */
  async function transaction<T>(begin: string | ((client: Client) => string), body: (q: Query, opened: Row[][]) => Promise<T>): Promise<T> {
    const client: Client = await pool.connect();
    let broken: Error | undefined;
    const q: Query = async (name, text, values = []) => (await client.query({ name, text, values })).rows;
    try {
      const opened = (await client.query(typeof begin === 'string' ? begin : begin(client))) as unknown as Pg.QueryResult | Pg.QueryResult[];
      const result = await body(q, (Array.isArray(opened) ? opened : [opened]).map((r) => r.rows as Row[]));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      else await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  // --- the sequencer --------------------------------------------------------------
  type Job = { request: AppendRequest; resolve(outcomes: AppendOutcome[]): void; reject(error: unknown): void };
  const queues = new Map<string, { jobs: Job[]; running: boolean }>();

  function runQueue(tenantId: string): void {
    const queue = queues.get(tenantId)!;
    if (queue.running) return;
    if (queue.jobs.length === 0) {
      queues.delete(tenantId);
      return;
    }
    const group: Job[] = [];
    let entries = 0;
    while (queue.jobs.length > 0 && (group.length === 0 || entries + queue.jobs[0]!.request.entries.length <= GROUP_ENTRIES)) {
      const job = queue.jobs.shift()!;
      entries += job.request.entries.length;
      group.push(job);
    }
    queue.running = true;
    appendGroup(tenantId, group.map((j) => j.request)).then(
      (results) => group.forEach((job, i) => job.resolve(results[i]!)),
      (error: unknown) => group.forEach((job) => job.reject(unavailableOr(error))),
    ).finally(() => {
      queue.running = false;
      runQueue(tenantId);
    });
  }

  async function appendGroup(tenantId: string, requests: AppendRequest[]): Promise<AppendOutcome[][]> {
    const results = await appendLocked(tenantId, requests);
    if (results) return results;
    // A new log: its row is made on its own, holding no lock. Made inside the append, under the close lock, it would
    // wait for another process making the same row, whose next statement queues for the close lock behind a close
    // that waits for this append: all three stall until PostgreSQL's deadlock check reorders them.
    await query('log-new', 'INSERT INTO aegislog_logs (tenant_id, size, head_size) VALUES ($1, 0, 0) ON CONFLICT DO NOTHING', [tenantId]);
    const again = await appendLocked(tenantId, requests);
    // Gone again only if someone deleted it by hand: a retry makes it anew.
    if (!again) throw new AegisLogError('ERR_STORE_UNAVAILABLE', `the log row of tenant ${tenantId} was deleted as it was made; retry`, { field: 'tenantId' });
    return again;
  }

  /** The append transaction (steps 1–3); undefined, having written nothing, when the tenant's log has no row yet. */
  function appendLocked(tenantId: string, requests: AppendRequest[]): Promise<AppendOutcome[][] | undefined> {
    // Steps 1 and 2 in one round trip; each statement of it reads with a snapshot of its own, so closed_until is
    // read after the close lock is granted.
    const row = `SELECT size, last_received_at, head_size, last_head_index, pending_since FROM aegislog_logs`;
    const begin = (c: Client) => `${BEGIN}; ${row} WHERE tenant_id = ${c.escapeLiteral(tenantId)} FOR UPDATE;
      SELECT pg_advisory_xact_lock_shared(${LOCK_SPACE}, ${LOCK_CLOSE}); SELECT value FROM aegislog_meta WHERE key = 'closed_until'`;
    return transaction(begin, async (q, [, locked, , closed]) => {
      const [logRow] = locked!;
      if (!logRow) return undefined;
      let state = stateOf(logRow);
      const closedUntil = (closed![0]?.value as string | undefined) ?? undefined;
      // The log's right edge, then every tile this group writes, by "level/index".
      const tiles = new Map<string, Uint8Array>();
      const edge = edgeTilesOf(state.size);
      if (edge.length > 0) {
        const found = await q('tiles-edge', TILES_AT, [tenantId, edge.map((t) => t.level), edge.map((t) => t.index)]);
        for (const t of found) if (t.data !== null) tiles.set(`${t.level}/${t.idx}`, bytes(t.data));
      }
      const ids = [...new Set(requests.flatMap((r) => r.entries.map((e) => e.event.event_id)))];
      const known = new Map<string, StoredRecord>();
      for (const r of await q('records-ids', 'SELECT * FROM aegislog_records WHERE tenant_id = $1 AND event_id = ANY($2::text[])', [tenantId, ids])) {
        known.set(r.event_id as string, toRecord(r));
      }
      const added: StoredRecord[] = [];
      const writes = new Map<string, TileWrite>();
      const results = requests.map((request) => {
        const edgeByLevel: (Uint8Array | undefined)[] = [];
        for (const t of edgeTilesOf(state.size)) edgeByLevel[t.level] = tiles.get(`${t.level}/${t.index}`);
        const plan = planAppend(request, state, closedUntil, (id) => known.get(id), edgeByLevel);
        for (const record of plan.added) {
          known.set(record.statement.event_id, record);
          added.push(record);
        }
        for (const w of plan.writes) {
          tiles.set(`${w.tile.level}/${w.tile.index}`, w.bytes);
          writes.set(`${w.tile.level}/${w.tile.index}`, w);
        }
        state = plan.state;
        return plan.outcomes;
      });
      if (added.length > 0) {
        const w = [...writes.values()];
        await q('append-write', `WITH r AS (
            INSERT INTO aegislog_records (tenant_id, leaf_index, event_id, received_at, digest, key_id, trace_id, receipt_hash, event_json)
            SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[], $9::text[])
          ), t AS (
            INSERT INTO aegislog_tiles (log, level, idx, data) SELECT $1, * FROM unnest($10::int[], $11::bigint[], $12::bytea[])
            ON CONFLICT (log, level, idx) DO UPDATE SET data = excluded.data
          )
          UPDATE aegislog_logs SET size = $13, last_received_at = $14, pending_since = $15 WHERE tenant_id = $1`, [
          tenantId,
          added.map((r) => r.leafIndex),
          added.map((r) => r.statement.event_id),
          added.map((r) => r.statement.received_at),
          added.map((r) => r.statement.digest_b64url),
          added.map((r) => r.statement.key_id),
          added.map((r) => r.trace_id),
          added.map((r) => buffer(r.receiptHash)),
          added.map((r) => r.eventJson),
          w.map((x) => x.tile.level),
          w.map((x) => x.tile.index),
          w.map((x) => buffer(x.bytes)),
          state.size,
          state.lastReceivedAt ?? null,
          state.pendingSince ?? null,
        ]);
      }
      return results;
    });
  }

  // Signatures that arrive in one turn of the event loop are kept in one statement.
  let signatures: SignatureWrite[] = [];
  let signing: Promise<void> | undefined;
  function keepSignatures(): Promise<void> {
    signing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      // A record keeps the first signature it was given: of two for one record in the batch, the later is dropped
      // here (joined to both, the update below would keep either).
      const seen = new Set<string>();
      const batch = signatures.filter((s) => {
        const key = JSON.stringify([s.tenantId, s.leafIndex, s.eventId]);
        return !seen.has(key) && Boolean(seen.add(key));
      });
      signatures = [];
      signing = undefined;
      // By the record's primary key: its leaf, written in order, not a random place in the event id index;
      // the event id must match too (the Store contract: a record keeps only a signature it was given).
      // The rows are locked first, in (tenant, leaf) order: an update joined to the list locks them in the list's
      // order (the plan of a table of some size probes one record per item), and two processes keeping the same
      // records in opposite orders each held one the other wanted: one failed with 40P01 (deadlock).
      await query('sign', `WITH k AS (
          SELECT r.tenant_id, r.leaf_index, s.sig FROM aegislog_records r
          JOIN unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS s(t, l, sig, e)
            ON r.tenant_id = s.t AND r.leaf_index = s.l AND r.event_id = s.e
          WHERE r.signature IS NULL ORDER BY r.tenant_id, r.leaf_index FOR NO KEY UPDATE OF r
        )
        UPDATE aegislog_records r SET signature = k.sig FROM k
        WHERE r.tenant_id = k.tenant_id AND r.leaf_index = k.leaf_index AND r.signature IS NULL`, [
        batch.map((s) => s.tenantId), batch.map((s) => s.leafIndex), batch.map((s) => s.signature_b64url), batch.map((s) => s.eventId),
      ]);
    });
    return signing;
  }

  const rootSize = async (q: Query) => Number((await q('root-size', 'SELECT coalesce(max(head_index) + 1, 0) AS n FROM aegislog_heads'))[0]!.n);
  const headOf = (row: Row | undefined): StoredHead | undefined => row && { headIndex: Number(row.head_index), head: JSON.parse(row.head_json as string) as TenantHead };
  const headQuery = async (name: string, text: string, values: unknown[]) => headOf((await query(name, text, values))[0]);
  const latest = async (q: Query) => checkpointOfRow((await q('latest', 'SELECT * FROM aegislog_checkpoints ORDER BY seq DESC LIMIT 1'))[0]);

  let closed = false;
  const store: Store = {
    append(request) {
      let queue = queues.get(request.tenantId);
      if (!queue) queues.set(request.tenantId, (queue = { jobs: [], running: false }));
      return new Promise<AppendOutcome[]>((resolve, reject) => {
        queue.jobs.push({ request, resolve, reject });
        // A turn of the event loop later, so that the appends of one burst share the transaction.
        if (!queue.running && queue.jobs.length === 1) setImmediate(() => runQueue(request.tenantId));
      });
    },
    async putSignatures(list) {
      const problem = signatureWritesError(list);
      if (problem) throw problem;
      if (list.length === 0) return;
      signatures.push(...list);
      await keepSignatures();
    },
    async getRecord(tenantId, eventId) {
      const [row] = await query('record', 'SELECT * FROM aegislog_records WHERE tenant_id = $1 AND event_id = $2', [tenantId, eventId]);
      return row && toRecord(row);
    },
    async records(tenantId, from, to, limit) {
      // The page's size is summed in the database, over the `limit` rows only, so that rows past it never travel.
      const rows = await query('records', `SELECT * FROM (
          SELECT *, sum(units) OVER (ORDER BY leaf_index) AS page_chars FROM (
            SELECT *, ${UTF16_UNITS} AS units FROM aegislog_records WHERE tenant_id = $1 AND leaf_index >= $2 AND leaf_index < $3
            ORDER BY leaf_index LIMIT $4) r) p
        WHERE page_chars <= $5 OR page_chars = units ORDER BY leaf_index`, [tenantId, from, to, limit, RECORDS_PAGE_CHARS]);
      return rows.map(toRecord);
    },
    async logSize(log) {
      if (log === ROOT_LOG) return rootSize(query);
      const [row] = await query('log-size', 'SELECT size FROM aegislog_logs WHERE tenant_id = $1', [log]);
      return row ? Number(row.size) : 0;
    },
    async readTiles(log, refs) {
      if (refs.length === 0) return [];
      const rows = await query('tiles', TILES_AT, [log, refs.map((r) => r.level), refs.map((r) => r.index)]);
      const found = new Map(rows.filter((r) => r.data !== null).map((r) => [`${r.level}/${r.idx}`, bytes(r.data)]));
      return refs.map((ref: TileRef) => {
        const data = found.get(`${ref.level}/${ref.index}`);
        if (!data || data.length < 32 * ref.width) throw missingTile(ref, `log "${log}"`);
        return data;
      });
    },
    async entryData(log, from, to) {
      if (log === ROOT_LOG) {
        const rows = await query('root-entries', 'SELECT head_json FROM aegislog_heads WHERE head_index >= $1 AND head_index < $2 ORDER BY head_index', [from, to]);
        return rows.map((r) => headEntry({ headIndex: 0, head: JSON.parse(r.head_json as string) as TenantHead }));
      }
      const rows = await query('entries', `SELECT receipt_hash FROM aegislog_records WHERE tenant_id = $1 AND leaf_index >= $2 AND leaf_index < $3
        ORDER BY leaf_index`, [log, from, to]);
      return rows.map((r) => bytes(r.receipt_hash));
    },

    async closedUntil() {
      const [row] = await query('closed', "SELECT value FROM aegislog_meta WHERE key = 'closed_until'");
      return (row?.value as string | undefined) ?? undefined;
    },
    closePeriod(periodEnd) {
      // The exclusive lock waits for every append that read closed_until before it, and holds back the ones after it.
      return transaction(`${BEGIN}; SELECT pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCK_CLOSE})`, async (q) => {
        const [row] = await q('closed', "SELECT value FROM aegislog_meta WHERE key = 'closed_until'");
        const current = row?.value as string | undefined;
        if (current !== undefined && periodEnd < current) throw new AegisLogError('ERR_PERIOD_ORDER', `closed_until is ${current}; cannot close at the earlier ${periodEnd}`);
        await q('close', `INSERT INTO aegislog_meta (key, value) VALUES ('closed_until', $1)
          ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [periodEnd]);
      });
    },
    async grownLogs(periodEnd) {
      const rows = await query('grown', `SELECT tenant_id, head_size, last_head_index FROM aegislog_logs
        WHERE pending_since < $1 ORDER BY tenant_id`, [periodEnd]);
      return rows.map((r) => ({
        tenantId: r.tenant_id as string,
        prevTreeSize: Number(r.head_size),
        prevHeadIndex: r.last_head_index === null ? null : Number(r.last_head_index),
      }));
    },
    async sizeAt(tenantId, time) {
      const [row] = await query('size-at', `SELECT aegislog_size_at($1, coalesce((SELECT size FROM aegislog_logs WHERE tenant_id = $1), 0), $2) AS n`, [tenantId, time]);
      return Number(row!.n);
    },
    commitSeal(seal) {
      return transaction(`${BEGIN}; SELECT pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCK_SEAL})`, async (q) => {
        const problem = sealOrderError(await latest(q), seal, await rootSize(q));
        if (problem) throw problem;
        const tenants = seal.heads.map((h) => h.head.tenant_id);
        await q('seal-write', SEAL_WRITE, [
          seal.rootWrites.map((w) => w.tile.level),
          seal.rootWrites.map((w) => w.tile.index),
          seal.rootWrites.map((w) => buffer(w.bytes)),
          seal.heads.map((h) => h.headIndex),
          tenants,
          seal.heads.map((h) => h.head.period_start),
          seal.heads.map((h) => h.head.tree_size),
          seal.heads.map((h) => JSON.stringify(h.head)),
          seal.period_start,
          seal.period_end,
          seal.rootSize,
          seal.sealed_at,
          seal.note,
        ]);
        // The grown logs' rows last, so that their appends wait for the update and the commit only, not for the
        // writes above (a seal never holds ingest for long); locked (in one order) by a statement before the update,
        // so that the update sees every append committed before it: the next pending entry is read from the records.
        await q('seal-lock', 'SELECT 1 FROM aegislog_logs WHERE tenant_id = ANY($1::text[]) ORDER BY tenant_id FOR UPDATE', [tenants]);
        await q('seal-logs', SEAL_LOGS, [tenants, seal.heads.map((h) => h.head.tree_size), seal.heads.map((h) => h.headIndex)]);
        return (await latest(q))!;
      }).catch((error: unknown) => {
        // Two sealers that raced for one period: the loser's insert meets the unique period.
        if ((error as { code?: string }).code === '23505') throw new AegisLogError('ERR_ALREADY_SEALED', `period ${seal.period_start} is already sealed`);
        throw error;
      });
    },
    async earliestPending() {
      const [row] = await query('earliest', 'SELECT min(pending_since) AS t FROM aegislog_logs WHERE pending_since IS NOT NULL');
      return (row?.t as string | null) ?? undefined;
    },

    latestCheckpoint: () => latest(query),
    async checkpoints(from, to) {
      return (await query('checkpoints', 'SELECT * FROM aegislog_checkpoints WHERE seq >= $1 AND seq < $2 ORDER BY seq', [from, to])).map((r) => checkpointOfRow(r)!);
    },
    updateNote(seq, note) {
      // Several processes add witness cosignatures to one note: each update keeps the lines already there.
      return transaction(BEGIN, async (q) => {
        const [row] = await q('note-lock', 'SELECT note FROM aegislog_checkpoints WHERE seq = $1 FOR UPDATE', [seq]);
        if (!row) throw new Error(`no checkpoint ${seq}`);
        await q('note', 'UPDATE aegislog_checkpoints SET note = $2 WHERE seq = $1', [seq, mergeNotes(row.note as string, note)]);
      });
    },

    headFor: (tenantId, periodStart) =>
      headQuery('head-for', 'SELECT head_index, head_json FROM aegislog_heads WHERE tenant_id = $1 AND period_start = $2', [tenantId, periodStart]),
    async headCovering(tenantId, leafIndex) {
      const found = await headQuery('head-covering', `SELECT head_index, head_json FROM aegislog_heads WHERE tenant_id = $1 AND tree_size > $2
        ORDER BY tree_size LIMIT 1`, [tenantId, leafIndex]);
      return found && found.head.prev_tree_size <= leafIndex ? found : undefined;
    },
    lastHead: (tenantId) =>
      headQuery('head-last', 'SELECT head_index, head_json FROM aegislog_heads WHERE tenant_id = $1 ORDER BY tree_size DESC LIMIT 1', [tenantId]),
    async heads(tenantId, after, limit) {
      const rows = await query('heads', `SELECT head_index, head_json FROM aegislog_heads WHERE tenant_id = $1 AND head_index > $2
        ORDER BY head_index LIMIT $3`, [tenantId, after ?? -1, limit]);
      return rows.map((r) => headOf(r)!);
    },
    headAt: (headIndex) => headQuery('head-at', 'SELECT head_index, head_json FROM aegislog_heads WHERE head_index = $1', [headIndex]),

    async witnessSizes() {
      const rows = await query('witnesses', "SELECT key, value FROM aegislog_meta WHERE key LIKE 'witness:%'");
      return Object.fromEntries(rows.map((r) => [(r.key as string).slice('witness:'.length), Number(r.value)]));
    },
    async putWitnessSize(witness, size) {
      // A witness only moves forward; a process that cosigned an older checkpoint must not move it back.
      await query('witness-put', `INSERT INTO aegislog_meta (key, value) VALUES ($1, $2) ON CONFLICT (key)
        DO UPDATE SET value = greatest(aegislog_meta.value::bigint, excluded.value::bigint)::text`, [`witness:${witness}`, String(size)]);
    },

    async putKey(jwk) {
      await query('key-put', 'INSERT INTO aegislog_signing_keys (kid, jwk_json) VALUES ($1, $2) ON CONFLICT DO NOTHING', [jwk.kid, JSON.stringify(jwk)]);
    },
    async keys() {
      return (await query('keys', 'SELECT jwk_json FROM aegislog_signing_keys ORDER BY n')).map((r) => JSON.parse(r.jwk_json as string) as EcPublicJwk & { kid: string });
    },
    async acquireSealLease(holder, now, ttlMs) {
      const instance = await live.ensure();
      const rows = await query('lease', `INSERT INTO aegislog_seal_lease (id, holder, instance, until) VALUES (1, $1, $2, $3)
        ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, instance = excluded.instance, until = excluded.until
        WHERE aegislog_seal_lease.holder = excluded.holder OR aegislog_seal_lease.until <= $4
          OR NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND classid = ${LIVE_SPACE}::oid AND objid = aegislog_seal_lease.instance::oid AND objsubid = 2)
        RETURNING holder`, [holder, instance, Math.ceil(now + ttlMs), Math.floor(now)]); // bigint: whole ms, the lease never shorter than asked
      return rows.length === 1;
    },
    async releaseSealLease(holder) {
      await query('lease-release', 'DELETE FROM aegislog_seal_lease WHERE holder = $1', [holder]);
    },
    async close() {
      if (closed) return;
      closed = true;
      await signing?.catch(() => {});
      await live.end();
      await pool.end();
    },
  };
  return guarded(store, () => closed);
}

/**
 * Encodings whose text holds every character an event may carry: UTF8, and SQL_ASCII, which keeps the bytes it is
 * given unchecked. In any other (LATIN1, WIN1252, …) an event with a character outside it failed with 22P05 at every
 * try, and so did each append that shared its group commit.
 */
const ENCODINGS = new Set(['UTF8', 'SQL_ASCII']);

/** Refuses (ERR_CONFIG) a database whose encoding cannot hold every event, before anything is written to it. */
async function refuseEncoding(client: Queryable): Promise<void> {
  const { rows } = await client.query('SELECT pg_encoding_to_char(encoding) AS name FROM pg_database WHERE datname = current_database()');
  const name = rows[0]?.name as string | undefined;
  if (name !== undefined && !ENCODINGS.has(name)) {
    throw new AegisLogError('ERR_CONFIG', `this database's encoding is ${name}, which cannot hold every character an event may carry: create the database with ENCODING 'UTF8'`, { field: 'connectionString' });
  }
}

/** Keeps the log's origin and period on first use; refuses others (ERR_CONFIG). */
async function pinLog(client: Queryable, log: { origin: string; periodSeconds: number }): Promise<void> {
  const wanted: Record<string, string> = { origin: log.origin, period_seconds: String(log.periodSeconds) };
  // Both in one statement, so one transaction: two processes first started at once with other settings each pinned
  // one of the two, were both refused, and left a database that neither setting could open again. The one that
  // inserts the origin first now pins both; the other waits on that row, then finds both pinned.
  await client.query("INSERT INTO aegislog_meta (key, value) VALUES ('origin', $1), ('period_seconds', $2) ON CONFLICT DO NOTHING", [wanted.origin, wanted.period_seconds]);
  const { rows } = await client.query("SELECT key, value FROM aegislog_meta WHERE key IN ('origin', 'period_seconds')");
  for (const { key, value } of rows as { key: string; value: string }[]) {
    if (value !== wanted[key]) {
      const field = key === 'origin' ? 'origin' : 'period';
      throw new AegisLogError('ERR_CONFIG', `this database holds the log with ${field} ${value}, not ${wanted[key]}: every process of a log uses the same one (a log keeps its origin for life)`, { field });
    }
  }
}

/**
 * This process's liveness lock: a session advisory lock (random key) on a connection
 * of its own. PostgreSQL drops it when the session ends, so a lease whose holder's
 * lock is gone belongs to a dead process. Reconnects after a lost connection.
 */
function liveness(pg: typeof Pg, config: PostgresStoreOptions) {
  let instance = 0;
  let client: Pg.Client | undefined;
  let connecting: Promise<number> | undefined;
  /** Set by `end`: a session being made then is ended once made, not kept (it would hold its lock, and the process, for ever). */
  let ended = false;
  return {
    ensure(): Promise<number> {
      if (ended) return Promise.reject(new AegisLogError('ERR_STORE_UNAVAILABLE', 'the store was closed'));
      if (client) return Promise.resolve(instance);
      connecting ??= (async () => {
        const c = new pg.Client(connectionOptions(config));
        const drop = () => {
          if (client === c) client = undefined;
        };
        c.on('error', drop);
        c.on('end', drop);
        try {
          await c.connect();
          // The database's end of this session probes as ours does (10 s idle, then 10 probes 1 s apart): with the
          // OS default (2 hours) a partitioned process's session, and its lock, would live on there, and a takeover
          // would wait for the lease to run out. (Ignored over a Unix socket, where no partition can come between.)
          await c.query(`SET tcp_keepalives_idle = ${KEEPALIVE_DELAY_MS / 1000}; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 10`);
          // A new key for each connection, taken without waiting: a connection cut on this side may leave its
          // session, and its lock, alive in the database, and waiting for that lock would hang every seal here.
          // The lease moves to the new key at its next renewal.
          for (let attempt = 0; attempt < 4; attempt++) {
            const key = 1 + Math.floor(Math.random() * 0x7ffffffe);
            const { rows } = await c.query(`SELECT pg_try_advisory_lock(${LIVE_SPACE}, ${key}) AS ok`);
            if (rows[0].ok === true) {
              if (ended) throw new AegisLogError('ERR_STORE_UNAVAILABLE', 'the store was closed');
              instance = key;
              client = c;
              return instance;
            }
          }
          throw new AegisLogError('ERR_STORE_UNAVAILABLE', 'no free liveness lock key after 4 tries');
        } catch (error) {
          await c.end().catch(() => {});
          throw error;
        }
      })().finally(() => (connecting = undefined));
      return connecting;
    },
    async end() {
      ended = true;
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}

async function loadPg(): Promise<typeof Pg> {
  try {
    const module = (await import('pg')) as typeof Pg & { default?: typeof Pg };
    return module.default ?? module;
  } catch (cause) {
    throw new AegisLogError('ERR_PG_UNAVAILABLE', 'postgresStore needs the optional peer dependency pg (npm install pg)', { cause });
  }
}

/**
 * Every method of the store with connection failures turned into ERR_STORE_UNAVAILABLE; so is any failure once the
 * store is closed (appends queued behind one in flight met the ended pool's own error, a 500 where a retry is due).
 */
function guarded(store: Store, isClosed: () => boolean): Store {
  const out = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(store) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    out[name] = (...args: unknown[]) =>
      fn(...args).catch((error: unknown) =>
        Promise.reject(isClosed() && !(error instanceof AegisLogError) ? new AegisLogError('ERR_STORE_UNAVAILABLE', 'the store was closed', { cause: error }) : unavailableOr(error)));
  }
  return out as unknown as Store;
}

/**
 * Faults of the connection or of the database, not of the call: a retry may succeed. 57014 is a statement the database
 * cancelled (its statement_timeout, or an operator); its connection is discarded like the others. 25006: the session
 * is read-only, a connection to a replica (a managed cluster's writer name that still leads to the old primary after a
 * failover) or to a database in maintenance; discarded, so that the retry opens one to wherever the name leads now.
 */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN', '57P01', '57P02', '57P03', '57014', '53300', '25P03', '25006']);

function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed|Query read timeout/i.test(error.message);
}

function unavailable(error: unknown): AegisLogError {
  return new AegisLogError('ERR_STORE_UNAVAILABLE', `the database is unavailable: ${(error as Error).message}`, { cause: error });
}

/**
 * Faults of the database that leave the connection usable, not of the call: a deadlock's victim (40P01), a disk
 * full (53100), out of memory (53200), a lock not granted (55P03). A retry may succeed.
 */
const TRANSIENT_CODES = new Set(['40P01', '53100', '53200', '55P03']);

function unavailableOr(error: unknown): unknown {
  const transient = error instanceof Error && TRANSIENT_CODES.has((error as { code?: unknown }).code as string);
  return transient || isConnectionError(error) ? unavailable(error) : error;
}

function stateOf(row: Row): LogState {
  return {
    size: Number(row.size),
    lastReceivedAt: (row.last_received_at as string | null) ?? undefined,
    headSize: Number(row.head_size),
    lastHeadIndex: row.last_head_index === null ? null : Number(row.last_head_index),
    pendingSince: (row.pending_since as string | null) ?? undefined,
  };
}

const toRecord = (row: Row): StoredRecord => recordOfRow(row, row.tenant_id as string, bytes(row.receipt_hash));

/** A bytea value as a plain Uint8Array (pg gives a Buffer over its own pool). */
function bytes(value: unknown): Uint8Array {
  return new Uint8Array(value as Uint8Array);
}

function buffer(view: Uint8Array): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
