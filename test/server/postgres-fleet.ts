/**
 * What the Postgres fleet tests share: a throwaway cluster for the file, stores of "processes" on a new database
 * of it (one through a proxy that makes faults on 127.0.0.1), a connection to read the database as an operator
 * would, and a sealer whose notes need no key.
 */
import { afterAll, beforeAll } from 'vitest';
import type Pg from 'pg';
import { postgresStore, type PostgresStoreOptions } from '../../src/server/postgres-store.js';
import { b64uEncode, sha256 } from '../../src/protocol/index.js';
import { createSealer } from '../../src/server/sealer.js';
import { startPostgres, type PostgresCluster } from '../../scripts/pg-cluster.mjs';
import { entry } from './store-conformance.js';
import { pgProxy, type PgProxy } from './pg-proxy.js';

export const BASE = Date.UTC(2026, 10, 28, 9);
export type PgStore = Awaited<ReturnType<typeof postgresStore>>;
export interface Db {
  cluster: PostgresCluster;
  pg: typeof Pg;
}

/** Starts a cluster before the file's tests and removes it after them. */
export function usePostgres(): Db {
  const db = {} as Db;
  beforeAll(async () => {
    db.cluster = await startPostgres({ fsync: false });
    ({ default: db.pg } = await import('pg'));
  }, 120_000);
  afterAll(() => db.cluster?.stop());
  return db;
}

export const appendOne = (store: PgStore, tenantId: string, id: string, now = BASE) =>
  store.append({ tenantId, entries: [entry(tenantId, id)], now, keyId: 'k', sha256 });

/** An hourly sealer of `store` on the clock `now`; its checkpoint note is plain text over size and root. */
export const testSealer = (store: PgStore, now: () => number) =>
  createSealer({ store, periodMs: 3_600_000, now, signCheckpoint: async (size, root) => `o\n${size}\n${b64uEncode(root)}\n\n— o sig\n` });

/** How many sessions of the database wait on `event` (pg_stat_activity's wait_event: 'advisory', 'transactionid'). */
export async function waitingOn(admin: Pg.Client, event: string): Promise<number> {
  return (await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = $1', [event])).rows[0].n as number;
}

/**
 * Whether `check` holds within `tries` calls (awaited one after another): a bounded wait for a state of the database,
 * never a timed one.
 */
export async function pollUntil(check: () => Promise<boolean>, tries = 1000): Promise<boolean> {
  for (let i = 0; i < tries; i++) if (await check()) return true;
  return false;
}

/**
 * Two processes on a new database, `a` through a fault proxy (with `aOptions` besides) and `b` direct, and `admin`
 * beside them (with `other`, a connection of its own for the test to hold locks with); all closed after `body`, an
 * open transaction of `other` rolled back.
 */
export async function withTwo(
  db: Db,
  body: (t: { url: string; proxy: PgProxy; a: PgStore; b: PgStore; admin: Pg.Client; other: Pg.Client }) => Promise<void>,
  aOptions: Omit<PostgresStoreOptions, 'connectionString'> = {},
): Promise<void> {
  const url = db.cluster.createDatabase();
  const proxy = await pgProxy(db.cluster.port);
  const a = await postgresStore({ connectionString: proxy.through(url), connectionTimeoutMillis: 2000, ...aOptions });
  const b = await postgresStore(url);
  const [admin, other] = [new db.pg.Client({ connectionString: url }), new db.pg.Client({ connectionString: url })];
  await Promise.all([admin.connect(), other.connect()]);
  try {
    await body({ url, proxy, a, b, admin, other });
  } finally {
    await other.query('ROLLBACK').catch(() => {});
    await proxy.close();
    await Promise.all([admin.end(), other.end()]);
    await Promise.all([a.close(), b.close()]);
  }
}
