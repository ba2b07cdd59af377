import { afterAll, beforeAll, expect, test } from 'vitest';
import { postgresStore } from '../../src/server/postgres-store.js';
import { b64uEncode, sha256, type TenantHead } from '../../src/protocol/index.js';
import { createSealer } from '../../src/server/sealer.js';
import { LOCK_CLOSE, LOCK_SPACE } from '../../src/server/postgres-schema.js';
import { startPostgres, type PostgresCluster } from '../../scripts/pg-cluster.mjs';
import { entry } from './store-conformance.js';
import { pgProxy } from './pg-proxy.js';

/**
 * postgresStore under the faults of a fleet that a clean stop does not make, on a throwaway cluster: a process
 * that hangs (or whose network goes silent) inside a transaction, and a connection cut on the client's side only,
 * so that the database keeps its session. The proxy in front of the database makes both on 127.0.0.1.
 */
let cluster: PostgresCluster;
let pg: (typeof import('pg'))['default'];
beforeAll(async () => {
  cluster = await startPostgres({ fsync: false });
  ({ default: pg } = await import('pg'));
}, 120_000);
afterAll(() => cluster?.stop());

const base = Date.UTC(2026, 10, 28, 9);
const append = (store: Awaited<ReturnType<typeof postgresStore>>, tenantId: string, id: string) =>
  store.append({ tenantId, entries: [entry(tenantId, id)], now: base, keyId: 'k', sha256 });

test('a process that hangs inside an append holds its locks only until the database ends its session: closes and appends go on', async () => {
  const url = cluster.createDatabase();
  const proxy = await pgProxy(cluster.port);
  const hung = await postgresStore({ connectionString: proxy.through(url), connectionTimeoutMillis: 2000 });
  const other = await postgresStore(url);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await append(hung, 'acme', 'h0'); // the log row exists
    // Hold every byte once the hung store binds the write of its next append: its session waits in the transaction.
    const frozen = proxy.freezeAt('append-write');
    let failure: unknown;
    const appending = append(hung, 'acme', 'h1').catch((error: unknown) => (failure = error));
    await frozen;
    let inside = false;
    for (let i = 0; i < 1000 && !inside; i++) {
      const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE client_port = ANY($1::int[]) AND state = 'idle in transaction'", [proxy.upstreamPorts()]);
      inside = rows[0].n > 0;
    }
    expect(inside).toBe(true);
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
  } finally {
    await proxy.close();
    await admin.end();
    await Promise.all([hung.close(), other.close()]);
  }
}, 60_000);

test('a store whose connections were cut while the database kept their sessions takes its lease again, not waiting on its old session', async () => {
  const url = cluster.createDatabase();
  const proxy = await pgProxy(cluster.port);
  const a = await postgresStore({ connectionString: proxy.through(url), connectionTimeoutMillis: 2000 });
  const b = await postgresStore(url);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
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
    for (let i = 0; i < 1000 && !settled && !waiting; i++) {
      const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'");
      waiting = rows[0].n > 0;
    }
    expect(waiting, 'the store waits for the liveness lock its own old session holds').toBe(false);
    expect(await renewed).toBe(true);
    // Its lease stays its own: another process sees its holder alive.
    expect(await b.acquireSealLease('holder-b', base + 2, 60_000)).toBe(false);
  } finally {
    await proxy.close();
    await admin.end();
    await Promise.all([a.close(), b.close()]);
  }
}, 60_000);

test('two processes append to the same logs while both seal at once: every entry in exactly one head, leaf indexes dense, received_at monotone', async () => {
  const url = cluster.createDatabase();
  const stores = [await postgresStore(url), await postgresStore(url)];
  let t = base;
  const now = () => t;
  const sealers = stores.map((store) => createSealer({ store, periodMs: 3_600_000, now, signCheckpoint: async (size, root) => `o\n${size}\n${b64uEncode(root)}\n\n— o sig\n` }));
  try {
    const TENANTS = ['acme', 'beta', 'gamma'];
    let done = 0;
    const appenders = [0, 1, 2, 3].map(async (k) => {
      for (let i = 0; i < 60; i++) await stores[k % 2]!.append({ tenantId: TENANTS[(k + i) % 3]!, entries: [entry(TENANTS[(k + i) % 3]!, `${k}-${i}`)], now: t++, keyId: 'k', sha256 });
      done++;
    });
    let rounds = 0;
    for (; rounds < 500 && done < 4; rounds++) await Promise.all(sealers.map((s) => s.sealNow()));
    await Promise.all(appenders);
    t++;
    await Promise.all(sealers.map((s) => s.sealNow()));
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const checkpoints = (await admin.query('SELECT period_start, period_end FROM aegislog_checkpoints ORDER BY seq')).rows;
      checkpoints.slice(1).forEach((c, i) => expect(c.period_start).toBe(checkpoints[i]!.period_end)); // one gap-free history
      expect(checkpoints.length).toBeGreaterThan(2);
      for (const tenant of TENANTS) {
        const records = (await admin.query('SELECT leaf_index::int AS i, received_at FROM aegislog_records WHERE tenant_id = $1 ORDER BY leaf_index', [tenant])).rows;
        expect(records.map((r) => r.i)).toEqual(records.map((_, i) => i));
        records.slice(1).forEach((r, i) => expect(r.received_at >= records[i]!.received_at, `${tenant} ${r.i}`).toBe(true));
        const heads = (await admin.query('SELECT head_json FROM aegislog_heads WHERE tenant_id = $1 ORDER BY head_index', [tenant])).rows.map((r) => JSON.parse(r.head_json) as TenantHead);
        expect(heads.at(-1)?.tree_size).toBe(records.length);
        for (const [i, head] of heads.entries()) {
          expect(head.prev_tree_size).toBe(i === 0 ? 0 : heads[i - 1]!.tree_size);
          for (const r of records.slice(head.prev_tree_size, head.tree_size)) expect(r.received_at >= head.period_start && r.received_at < head.period_end, `${tenant} ${r.i}`).toBe(true);
        }
      }
    } finally {
      await admin.end();
    }
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}, 120_000);

test('an append whose commit succeeded but whose answer was lost is, retried at either process, the same entry, stored once', async () => {
  const url = cluster.createDatabase();
  const proxy = await pgProxy(cluster.port);
  const [a, b] = [await postgresStore({ connectionString: proxy.through(url), connectionTimeoutMillis: 2000 }), await postgresStore(url)];
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await append(a, 'acme', 'first');
    const committing = proxy.freezeAt('COMMIT', true);
    const lost = append(a, 'acme', 'retried');
    await committing;
    let committed = false;
    for (let i = 0; i < 1000 && !committed; i++) committed = (await admin.query("SELECT 1 FROM aegislog_records WHERE event_id = 'retried'")).rows.length === 1;
    expect(committed).toBe(true);
    proxy.drop();
    await expect(lost).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    const stored = (await b.getRecord('acme', 'retried'))!;
    for (const store of [a, b]) {
      const [again] = await store.append({ tenantId: 'acme', entries: [entry('acme', 'retried')], now: base + 60_000, keyId: 'k', sha256 });
      expect(again).toMatchObject({ stored: false, existing: { leafIndex: 1, statement: stored.statement } });
    }
    expect([await a.logSize('acme'), (await admin.query("SELECT count(*)::int AS n FROM aegislog_records WHERE tenant_id = 'acme'")).rows[0].n]).toEqual([2, 2]);
  } finally {
    await proxy.close();
    await admin.end();
    await Promise.all([a.close(), b.close()]);
  }
}, 60_000);

test('a seal whose connection is lost after its writes, before COMMIT, leaves none of them, and another process seals that period once', async () => {
  const url = cluster.createDatabase();
  const proxy = await pgProxy(cluster.port);
  const [a, b] = [await postgresStore({ connectionString: proxy.through(url), connectionTimeoutMillis: 2000 }), await postgresStore(url)];
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  let t = base;
  const sealer = (store: typeof a) => createSealer({ store, periodMs: 3_600_000, now: () => t, signCheckpoint: async (size, root) => `o\n${size}\n${b64uEncode(root)}\n\n— o sig\n` });
  try {
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
  } finally {
    await proxy.close();
    await admin.end();
    await Promise.all([a.close(), b.close()]);
  }
}, 60_000);

test('a close waits only for the appends that run, not for one queued on a busy log: other tenants\' appends go on', async () => {
  const url = cluster.createDatabase();
  const [a, b] = [await postgresStore(url), await postgresStore(url)];
  const [admin, busy] = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
  await Promise.all([admin.connect(), busy.connect()]);
  const waiting = async (event: string) =>
    (await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = $1', [event])).rows[0].n as number;
  try {
    await append(a, 'hot', 'h0');
    // Another process's long transaction on the hot log's row; an append of this one queues on it.
    await busy.query('BEGIN');
    await busy.query("SELECT 1 FROM aegislog_logs WHERE tenant_id = 'hot' FOR UPDATE");
    const queued = append(a, 'hot', 'h1');
    let onRow = false;
    for (let i = 0; i < 1000 && !onRow; i++) onRow = (await waiting('transactionid')) > 0;
    expect(onRow).toBe(true);
    const end = new Date(base + 60_000).toISOString();
    const closing = b.closePeriod(end);
    let settled = false;
    const cold = append(b, 'cold', 'c1').finally(() => (settled = true));
    let stalled = false;
    for (let i = 0; i < 2000 && !settled && !stalled; i++) stalled = (await waiting('advisory')) >= 2; // the close, and the cold append behind it
    expect(stalled, 'the close waits for the queued append, and the cold log\'s append waits behind the close').toBe(false);
    await closing;
    expect((await cold)[0]).toMatchObject({ stored: true, record: { statement: { received_at: end } } });
    await busy.query('COMMIT');
    expect((await queued)[0]).toMatchObject({ stored: true, record: { leafIndex: 1, statement: { received_at: end } } }); // committed after the close
  } finally {
    await busy.query('ROLLBACK').catch(() => {});
    await Promise.all([admin.end(), busy.end()]);
    await Promise.all([a.close(), b.close()]);
  }
}, 60_000);

test('the first append of a log waits for another process making its row without the close lock: the close goes on, no deadlock to untie', async () => {
  const url = cluster.createDatabase();
  const [a, b] = [await postgresStore(url), await postgresStore(url)];
  const [admin, other] = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
  await Promise.all([admin.connect(), other.connect()]);
  const waiting = async (event: string) =>
    (await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = $1', [event])).rows[0].n as number;
  try {
    await append(a, 'old', 'o1'); // the schema, and a log that exists
    // Another process has made the new log's row (not committed yet) and holds it.
    await other.query('BEGIN');
    await other.query("INSERT INTO aegislog_logs (tenant_id, size, head_size) VALUES ('new', 0, 0)");
    const first = append(a, 'new', 'n1');
    let onRow = false;
    for (let i = 0; i < 1000 && !onRow; i++) onRow = (await waiting('transactionid')) > 0;
    expect(onRow).toBe(true);
    const end = new Date(base + 60_000).toISOString();
    let closed = false;
    const closing = b.closePeriod(end).finally(() => (closed = true));
    let stalled = false;
    for (let i = 0; i < 1000 && !closed && !stalled; i++) stalled = (await waiting('advisory')) > 0;
    // Had the first append held the close lock while it waited on the row, the close would wait for it, the other
    // process queue behind the close, and all three stall until PostgreSQL's deadlock check reorders them.
    expect(stalled, 'the close waits for an append that waits on a row').toBe(false);
    const next = other.query(`SELECT pg_advisory_xact_lock_shared(${LOCK_SPACE}, ${LOCK_CLOSE})`).then(() => other.query('COMMIT'));
    const results = await Promise.allSettled([first, closing, next]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'ok'))).toEqual(['ok', 'ok', 'ok']);
    expect((await first)[0]).toMatchObject({ stored: true, record: { leafIndex: 0, statement: { received_at: end } } });
  } finally {
    await other.query('ROLLBACK').catch(() => {});
    await Promise.all([admin.end(), other.end()]);
    await Promise.all([a.close(), b.close()]);
  }
}, 60_000);

test('a seal locks its grown logs\' rows only for their update: appends to them go on while it writes heads and tiles', async () => {
  const url = cluster.createDatabase();
  const proxy = await pgProxy(cluster.port);
  const [a, b] = [await postgresStore({ connectionString: proxy.through(url), connectionTimeoutMillis: 2000 }), await postgresStore(url)];
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  let t = base;
  const sealer = createSealer({ store: a, periodMs: 3_600_000, now: () => t, signCheckpoint: async (size, root) => `o\n${size}\n${b64uEncode(root)}\n\n— o sig\n` });
  try {
    await append(b, 'acme', 'a1');
    t += 1000;
    const writing = proxy.freezeAt('seal-write', true);
    const sealing = sealer.sealNow();
    await writing;
    let written = false; // the database ran the write; its answer, and the rest of the seal, are held
    for (let i = 0; i < 1000 && !written; i++) written = (await admin.query("SELECT 1 FROM pg_stat_activity WHERE client_port = ANY($1::int[]) AND state = 'idle in transaction'", [proxy.upstreamPorts()])).rows.length > 0;
    expect(written).toBe(true);
    let settled = false;
    const next = b.append({ tenantId: 'acme', entries: [entry('acme', 'a2')], now: t, keyId: 'k', sha256 }).finally(() => (settled = true));
    let blocked = false;
    for (let i = 0; i < 2000 && !settled && !blocked; i++) blocked = (await admin.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'transactionid'")).rows.length > 0;
    expect(blocked, 'the append waits for the seal to commit').toBe(false);
    expect((await next)[0]).toMatchObject({ stored: true, record: { leafIndex: 1, statement: { received_at: new Date(t + 1).toISOString() } } });
    proxy.thaw();
    const [checkpoint] = await sealing;
    expect(checkpoint?.tree_size).toBe(1);
    expect((await b.lastHead('acme'))?.head.tree_size).toBe(1);
    // The entry that came during the seal is pending, for the next one.
    expect(await b.grownLogs('2026-11-29T00:00:00.000Z')).toEqual([{ tenantId: 'acme', prevTreeSize: 1, prevHeadIndex: 0 }]);
  } finally {
    await proxy.close();
    await admin.end();
    await Promise.all([a.close(), b.close()]);
  }
}, 60_000);
