import { afterAll, beforeAll, expect, test } from 'vitest';
import { postgresStore } from '../../src/server/postgres-store.js';
import { sha256 } from '../../src/protocol/index.js';
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
