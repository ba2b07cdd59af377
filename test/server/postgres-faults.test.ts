import { expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import { entry } from './store-conformance.js';
import type Pg from 'pg';
import { BASE as base, appendOne as append, pollUntil, testSealer, usePostgres, waitingOn, withTwo, type PgStore } from './postgres-fleet.js';
import { pgProxy, type PgProxy } from './pg-proxy.js';
import { postgresStore } from '../../src/server/postgres-store.js';
import { LIVE_SPACE, LOCK_CLOSE, LOCK_MIGRATE, LOCK_SPACE } from '../../src/server/postgres-schema.js';

/**
 * postgresStore under the faults of a fleet that a clean stop does not make, on a throwaway cluster: a process
 * that hangs (or whose network goes silent) inside a transaction, and a connection cut on the client's side only,
 * so that the database keeps its session. The proxy in front of the database makes both on 127.0.0.1.
 */
const db = usePostgres();

/** Whether a session of the process behind `proxy` waits inside a transaction (its next statement held). */
const idleInTransaction = async (admin: Pg.Client, proxy: PgProxy) =>
  (await admin.query("SELECT 1 FROM pg_stat_activity WHERE client_port = ANY($1::int[]) AND state = 'idle in transaction'", [proxy.upstreamPorts()])).rows.length > 0;

test('a process that hangs inside an append holds its locks only until the database ends its session: closes and appends go on', () =>
  withTwo(db, async ({ proxy, a: hung, b: other, admin }) => {
    await append(hung, 'acme', 'h0'); // the log row exists
    // Hold every byte once the hung store binds the write of its next append: its session waits in the transaction.
    const frozen = proxy.freezeAt('append-write');
    let failure: unknown;
    const appending = append(hung, 'acme', 'h1').catch((error: unknown) => (failure = error));
    await frozen;
    expect(await pollUntil(() => idleInTransaction(admin, proxy))).toBe(true);
    // It holds the shared close lock and acme's row: the close, and the appends queued behind it, wait for it to end.
    const end = new Date(base + 60_000).toISOString();
    await other.closePeriod(end);
    const after = await append(other, 'acme', 'after');
    expect(after[0]).toMatchObject({ stored: true, record: { statement: { received_at: end } } });
    proxy.thaw();
    await appending;
    expect(failure).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    // Nothing of its transaction is left: the log's size counts its records, whose leaf indexes are dense.
    const { rows } = await admin.query("SELECT (SELECT size FROM aegislog_logs WHERE tenant_id = 'acme')::int AS size, count(*)::int AS n, max(leaf_index)::int AS top FROM aegislog_records WHERE tenant_id = 'acme'");
    expect(rows[0]).toEqual({ size: 2, n: 2, top: 1 }); // h0 and after
  }), 60_000);

test('a store whose connections were cut while the database kept their sessions takes its lease again, not waiting on its old session', () =>
  withTwo(db, async ({ proxy, a, b, admin }) => {
    expect(await a.acquireSealLease('holder-a', base, 60_000)).toBe(true);
    proxy.cut(); // the old sessions live on in the database, this process's liveness lock with them
    let settled = false;
    const renewed = (async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          return await a.acquireSealLease('holder-a', base + 1, 60_000);
        } catch (error) {
          if ((error as { code?: string }).code !== 'ERR_STORE_UNAVAILABLE') throw error; // a pool connection that was cut
        }
      }
      return undefined;
    })().finally(() => (settled = true));
    let waiting = false;
    await pollUntil(async () => settled || (waiting = (await waitingOn(admin, 'advisory')) > 0));
    expect(waiting, 'the store waits for the liveness lock its own old session holds').toBe(false);
    expect(await renewed).toBe(true);
    // Its lease stays its own: another process sees its holder alive.
    expect(await b.acquireSealLease('holder-b', base + 2, 60_000)).toBe(false);
  }), 60_000);

test('an append whose commit succeeded but whose answer was lost is, retried at either process, the same entry, stored once', () =>
  withTwo(db, async ({ proxy, a, b, admin }) => {
    await append(a, 'acme', 'first');
    const committing = proxy.freezeAt('COMMIT', true);
    const lost = append(a, 'acme', 'retried');
    await committing;
    expect(await pollUntil(async () => (await admin.query("SELECT 1 FROM aegislog_records WHERE event_id = 'retried'")).rows.length === 1)).toBe(true);
    proxy.drop();
    await expect(lost).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    const stored = (await b.getRecord('acme', 'retried'))!;
    for (const store of [a, b]) {
      const [again] = await store.append({ tenantId: 'acme', entries: [entry('acme', 'retried')], now: base + 60_000, keyId: 'k', sha256 });
      expect(again).toMatchObject({ stored: false, existing: { leafIndex: 1, statement: stored.statement } });
    }
    expect([await a.logSize('acme'), (await admin.query("SELECT count(*)::int AS n FROM aegislog_records WHERE tenant_id = 'acme'")).rows[0].n]).toEqual([2, 2]);
  }), 60_000);

test('a seal whose connection is lost after its writes, before COMMIT, leaves none of them, and another process seals that period once', () =>
  withTwo(db, async ({ proxy, a, b, admin }) => {
    let t = base;
    const sealer = (store: PgStore) => testSealer(store, () => t);
    for (const tenant of ['acme', 'beta']) await append(b, tenant, `${tenant}-1`);
    t += 1000;
    const writing = proxy.freezeAt('seal-write', true);
    const cut = sealer(a).sealNow();
    await writing;
    proxy.drop();
    await expect(cut).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    const count = async (table: string) => (await admin.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
    expect([await count('aegislog_checkpoints'), await count('aegislog_heads'), await count("aegislog_tiles WHERE log = ''")]).toEqual([0, 0, 0]);
    expect(await b.closedUntil()).toBe(new Date(t + 1).toISOString()); // its close did commit: the next seal finishes that period
    const sealed = await sealer(b).sealDue().then(async (due) => [...due, ...(await sealer(b).sealNow())]);
    expect(sealed.map((c) => [c.period_end, c.tree_size])).toEqual([[new Date(t + 1).toISOString(), 2]]);
    expect([await count('aegislog_checkpoints'), await count('aegislog_heads')]).toEqual([1, 2]);
  }), 60_000);

test('a seal locks its grown logs\' rows only for their update: appends to them go on while it writes heads and tiles', () =>
  withTwo(db, async ({ proxy, a, b, admin }) => {
    let t = base;
    const sealer = testSealer(a, () => t);
    await append(b, 'acme', 'a1');
    t += 1000;
    const writing = proxy.freezeAt('seal-write', true);
    const sealing = sealer.sealNow();
    await writing;
    // The database ran the write; its answer, and the rest of the seal, are held.
    expect(await pollUntil(() => idleInTransaction(admin, proxy))).toBe(true);
    let settled = false;
    const next = b.append({ tenantId: 'acme', entries: [entry('acme', 'a2')], now: t, keyId: 'k', sha256 }).finally(() => (settled = true));
    let blocked = false;
    await pollUntil(async () => settled || (blocked = (await waitingOn(admin, 'transactionid')) > 0), 2000);
    expect(blocked, 'the append waits for the seal to commit').toBe(false);
    expect((await next)[0]).toMatchObject({ stored: true, record: { leafIndex: 1, statement: { received_at: new Date(t + 1).toISOString() } } });
    proxy.thaw();
    const [checkpoint] = await sealing;
    expect(checkpoint?.tree_size).toBe(1);
    expect((await b.lastHead('acme'))?.head.tree_size).toBe(1);
    // The entry that came during the seal is pending, for the next one.
    expect(await b.grownLogs('2026-11-29T00:00:00.000Z')).toEqual([{ tenantId: 'acme', prevTreeSize: 1, prevHeadIndex: 0 }]);
  }), 60_000);

test('appends queued behind one in flight when the store closes fail as unavailable (503), not with the pool\'s own error', () =>
  withTwo(db, async ({ proxy, a }) => {
    await append(a, 'acme', 'x0'); // the log row exists
    const frozen = proxy.freezeAt('append-write');
    const first = append(a, 'acme', 'x1');
    await frozen;
    const queued = append(a, 'acme', 'x2'); // waits for the transaction in flight, then needs a connection of its own
    queued.catch(() => {});
    const closing = a.close();
    proxy.thaw();
    expect((await first)[0]).toMatchObject({ stored: true });
    await expect(queued).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: expect.stringContaining('closed') });
    await closing;
    await expect(append(a, 'acme', 'x3')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
  }), 60_000);

/**
 * A network that goes silent mid-query: the proxy holds every byte both ways, no FIN, no RST. The database has
 * answered (or waits, outside a transaction, for nothing), so no timeout of its own ends the session: only the
 * store's `queryTimeoutMillis` does. Its bound is small here, and the test waits for the outcome, not for a time.
 */
const SILENT = { queryTimeoutMillis: 1000 };

test('an append whose COMMIT answer the silent network holds fails as unavailable at queryTimeoutMillis; its tenant\'s queue goes on and the retry finds it stored once', () =>
  withTwo(db, async ({ proxy, a, admin }) => {
    await append(a, 'acme', 'first');
    const committing = proxy.freezeAt('COMMIT', true); // the database commits; its answer is held
    const lost = append(a, 'acme', 'silent');
    await committing;
    const queued = append(a, 'acme', 'queued'); // the same tenant's next append, behind the one in flight
    await expect(lost).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: expect.stringContaining('timeout') });
    proxy.thaw(); // a healthy link again: the timed-out connection was discarded, the next one is new
    expect((await queued)[0]).toMatchObject({ stored: true, record: { leafIndex: 2 } });
    const [again] = await append(a, 'acme', 'silent', base + 60_000);
    expect(again).toMatchObject({ stored: false, existing: { leafIndex: 1 } });
    const { rows } = await admin.query("SELECT (SELECT size FROM aegislog_logs WHERE tenant_id = 'acme')::int AS size, count(*)::int AS n, count(DISTINCT event_id)::int AS ids FROM aegislog_records WHERE tenant_id = 'acme'");
    expect(rows[0]).toEqual({ size: 3, n: 3, ids: 3 });
  }, SILENT), 60_000);

test('an append whose COMMIT the silent network never delivers fails as unavailable; nothing of it is kept, and its retry is stored once', () =>
  withTwo(db, async ({ proxy, a, admin }) => {
    await append(a, 'acme', 'first');
    const held = proxy.freezeAt('COMMIT'); // held before the database sees it
    const lost = append(a, 'acme', 'unsent');
    await held;
    await expect(lost).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    // The store closed the silent connection (a FIN the proxy passes on): the database rolls its transaction back.
    const rolledBack = await pollUntil(async () => (await admin.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'")).rows.length === 0);
    expect(rolledBack).toBe(true);
    expect((await admin.query("SELECT count(*)::int AS n FROM aegislog_records WHERE tenant_id = 'acme'")).rows[0].n).toBe(1);
    proxy.thaw(); // the COMMIT held meets a closed connection
    const [again] = await append(a, 'acme', 'unsent', base + 60_000);
    expect(again).toMatchObject({ stored: true, record: { leafIndex: 1 } });
    const { rows } = await admin.query("SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS ids FROM aegislog_records WHERE tenant_id = 'acme'");
    expect(rows[0]).toEqual({ n: 2, ids: 2 });
  }, SILENT), 60_000);

test('a read whose answer the silent network holds fails as unavailable at queryTimeoutMillis, and its connection is not reused', () =>
  withTwo(db, async ({ proxy, a, admin }) => {
    await append(a, 'acme', 'first');
    const held = proxy.freezeAt('record', true); // getRecord's named statement: the database answers, the answer is held
    const read = a.getRecord('acme', 'first');
    await held;
    await expect(read).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    // The timed-out connection is closed, not returned to the pool: of this process's sessions, only its liveness
    // connection's is left (the pool had the one).
    const sessions = async () => (await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE client_port = ANY($1::int[])', [proxy.upstreamPorts()])).rows[0].n as number;
    expect(await pollUntil(async () => (await sessions()) === 1)).toBe(true);
    proxy.thaw();
    expect((await a.getRecord('acme', 'first'))?.leafIndex).toBe(0);
  }, SILENT), 60_000);

/**
 * A statement this side gave up on (queryTimeoutMillis) while the database still runs it: here an append that waits
 * on its tenant's row, which another session holds in an open transaction. Closing the connection does not end it
 * (PostgreSQL reads the socket again only when the statement is done), so the database must end it by itself.
 */
const holdRow = (other: Pg.Client, tenant: string) => other.query(`BEGIN; SELECT 1 FROM aegislog_logs WHERE tenant_id = '${tenant}' FOR UPDATE`);
/** The pid of the session of the process behind `proxy` that waits on a lock, once there is one. */
async function lockWaiter(admin: Pg.Client, proxy: PgProxy): Promise<number | undefined> {
  let pid: number | undefined;
  await pollUntil(async () => {
    const { rows } = await admin.query("SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[]) AND wait_event_type = 'Lock'", [proxy.upstreamPorts()]);
    pid = rows[0]?.pid as number | undefined;
    return pid !== undefined;
  });
  return pid;
}
/**
 * Whether the session `pid` has ended. Each check first pauses 10 ms in the database: the session ends on a timer of
 * the database (about 1 s after this side gave up), and back-to-back checks on an idle machine could use up any count
 * of them before it fires.
 */
const sessionGone = async (admin: Pg.Client, pid: number) =>
  (await admin.query('SELECT 1 FROM pg_sleep(0.01), pg_stat_activity WHERE pid = $1', [pid])).rows.length === 0;
/** Whether `other` still holds its transaction, with the row it locked. */
const stillHolds = async (other: Pg.Client) =>
  (await other.query("SELECT count(*)::int AS n FROM pg_locks WHERE pid = pg_backend_pid() AND granted AND relation = 'aegislog_logs'::regclass AND mode = 'RowShareLock'")).rows[0].n === 1;
/**
 * Checks for the end of a session the database ends a little after queryTimeoutMillis (SILENT's 1 s here): at least
 * 15 s of pauses, far beyond the wait (about 100 checks), and few enough that a session that stays fails the test
 * within its 60 s.
 */
const ENDS_WITHIN = 1500;

test('an append that waits on a lock past queryTimeoutMillis fails as unavailable, and the database ends its statement while the holder still holds', () =>
  withTwo(db, async ({ proxy, a, admin, other }) => {
    await append(a, 'acme', 'first'); // the log row exists
    await holdRow(other, 'acme');
    const blocked = append(a, 'acme', 'blocked');
    blocked.catch(() => {});
    const pid = await lockWaiter(admin, proxy);
    expect(pid, 'the append waits on the row lock').toBeDefined();
    await expect(blocked).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: expect.stringContaining('timeout') });
    // Nobody reads its answer any more: its session goes (a pool of one: the connection that ran the migrations,
    // whose unbounded statements must not have left it so).
    expect(await pollUntil(() => sessionGone(admin, pid!), ENDS_WITHIN), 'the session that ran the append is gone').toBe(true);
    expect(await stillHolds(other)).toBe(true);
    await other.query('ROLLBACK');
    expect((await append(a, 'acme', 'after'))[0]).toMatchObject({ stored: true, record: { leafIndex: 1 } });
  }, { ...SILENT, max: 1 }), 60_000);

test('the migrations at start are not bounded: one that waits past the statement bound goes on, and its connection is bounded again after', () =>
  withTwo(db, async ({ url, proxy, a, admin, other }) => {
    await append(a, 'acme', 'first');
    // A migration that waits (for the lock of another process's migrations) while an append of `a` waits on acme's row.
    await holdRow(other, 'acme');
    await other.query(`SELECT pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCK_MIGRATE})`);
    const proxy2 = await pgProxy(db.cluster.port);
    const starting = postgresStore({ connectionString: proxy2.through(url), ...SILENT, max: 1 });
    starting.catch(() => {});
    try {
      const migrating = await lockWaiter(admin, proxy2);
      expect(migrating, 'the start waits for the migration lock').toBeDefined();
      // The clock: an append that began to wait after the migration, under the same bound, is ended by the database.
      const blocked = append(a, 'acme', 'blocked');
      blocked.catch(() => {});
      const pid = await lockWaiter(admin, proxy);
      await expect(blocked).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
      expect(await pollUntil(() => sessionGone(admin, pid!), ENDS_WITHIN)).toBe(true);
      // The migration, waiting longer, still waits.
      const { rows } = await admin.query('SELECT wait_event FROM pg_stat_activity WHERE pid = $1', [migrating]);
      expect(rows).toEqual([{ wait_event: 'advisory' }]);
      await other.query('ROLLBACK');
      const late = await starting;
      try {
        // Its one pool connection, the one that migrated, bounds statements again.
        await holdRow(other, 'acme');
        const again = append(late, 'acme', 'again');
        again.catch(() => {});
        const waiter = await lockWaiter(admin, proxy2);
        expect(waiter).toBe(migrating);
        await expect(again).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
        expect(await pollUntil(() => sessionGone(admin, waiter!), ENDS_WITHIN)).toBe(true);
        await other.query('ROLLBACK');
      } finally {
        await other.query('ROLLBACK').catch(() => {}); // a session still waiting would hold its close
        await late.close();
      }
    } finally {
      await other.query('ROLLBACK').catch(() => {});
      await starting.then((s) => s.close(), () => {});
      await proxy2.close();
    }
  }, SILENT), 60_000);

test('a statement the database cancels (its statement_timeout, an operator\'s pg_cancel_backend) fails as unavailable, and the queue goes on', () =>
  withTwo(db, async ({ proxy, a, admin, other }) => {
    await append(a, 'acme', 'first');
    await holdRow(other, 'acme');
    const blocked = append(a, 'acme', 'cancelled');
    blocked.catch(() => {});
    const pid = await lockWaiter(admin, proxy);
    await admin.query('SELECT pg_cancel_backend($1)', [pid]);
    await expect(blocked).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: expect.stringContaining('canceling statement') });
    await other.query('ROLLBACK');
    expect((await append(a, 'acme', 'after'))[0]).toMatchObject({ stored: true, record: { leafIndex: 1 } });
  }), 60_000);

// Found in review: a deadlock's victim (40P01) reached the caller as pg's own error, a 500, where a retry succeeds
// as it does after a cancelled statement; so did a disk full (53100), out of memory (53200) and a lock not granted
// (55P03). Here a real deadlock: another session holds the close lock, the append takes the log's row and waits for
// the close lock, then the other session asks for that row. The other session's deadlock_timeout is long, so that
// the append's session, which waited first, is the one PostgreSQL ends.
test('an append ended by the database as a deadlock\'s victim fails as unavailable (a retry succeeds), not with pg\'s error', () =>
  withTwo(db, async ({ b, admin, other }) => {
    await append(b, 'acme', 'first');
    await other.query("BEGIN; SET LOCAL deadlock_timeout = '1h'");
    await other.query(`SELECT pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCK_CLOSE})`);
    const victim = append(b, 'acme', 'victim');
    victim.catch(() => {});
    expect(await pollUntil(async () => (await waitingOn(admin, 'advisory')) === 1)).toBe(true);
    const taking = other.query("SELECT 1 FROM aegislog_logs WHERE tenant_id = 'acme' FOR UPDATE");
    await expect(victim).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', message: expect.stringContaining('deadlock detected') });
    await taking;
    await other.query('ROLLBACK');
    expect((await append(b, 'acme', 'victim'))[0]).toMatchObject({ stored: true, record: { leafIndex: 1 } });
  }), 60_000);

test('a store closed while it connects its liveness session again ends that session: no lock of it outlives the close', () =>
  withTwo(db, async ({ proxy, a, admin }) => {
    const liveLocks = async () => (await admin.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ${LIVE_SPACE}::oid
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)).rows[0].n as number;
    expect(await liveLocks()).toBe(2); // a's and b's
    proxy.drop(); // the database restarts, say: every connection of a is gone, its liveness one with them
    const trapped = proxy.freezeAt('pg_try_advisory_lock'); // a's next liveness session, held as it takes its lock
    let leasing: Promise<unknown> | undefined;
    let sprung = false;
    void trapped.then(() => (sprung = true));
    for (let attempt = 0; attempt < 20 && !sprung; attempt++) {
      // Until a has seen its liveness connection go, a call takes the lease on the old key (or meets a pool connection
      // that was dropped); the first one after makes the session anew, and waits in the trap.
      leasing = a.acquireSealLease('holder-a', base, 60_000).then(() => 'settled', (error: unknown) => error);
      await Promise.race([leasing, trapped]);
    }
    expect(sprung).toBe(true);
    await a.close(); // the server stops meanwhile
    proxy.thaw();
    expect(await leasing).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect(await pollUntil(async () => (await liveLocks()) === 1), 'only b\'s liveness lock is left').toBe(true);
  }), 60_000);

test('two processes first started at once with other origins and periods leave the database pinned to one of them, not to a mix of both', async () => {
  const url = db.cluster.createDatabase();
  const proxy = await pgProxy(db.cluster.port);
  const a = { origin: 'a.example/log', periodSeconds: 3600 };
  const b = { origin: 'b.example/log', periodSeconds: 60 };
  try {
    // Hold a's start as it pins its period (after its origin): b starts meanwhile, and both meet the other's pin.
    const held = proxy.freezeAt('period_seconds');
    const starting = postgresStore({ connectionString: proxy.through(url), log: a }).then((s) => s, (error: unknown) => error);
    await held;
    const other = await postgresStore({ connectionString: url, log: b }).then((s) => s, (error: unknown) => error);
    proxy.thaw();
    const first = await starting;
    for (const s of [first, other]) if (!(s instanceof Error)) await (s as PgStore).close();
    // One start at least was refused; whichever was, the pins are one process's whole configuration.
    expect([first, other].some((s) => s instanceof Error)).toBe(true);
    const opened = await Promise.all([a, b].map((log) => postgresStore({ connectionString: url, log }).then(async (s) => (await s.close(), true), () => false)));
    expect(opened.filter(Boolean)).toHaveLength(1);
  } finally {
    await proxy.close();
  }
}, 60_000);
