/**
 * The PostgreSQL store's tables, as versioned migrations run at start. Every
 * process that opens the store runs `migrate`: under a transaction-level
 * advisory lock, so concurrent starts apply each version once, and DDL is
 * transactional, so a version is applied whole or not at all. A database
 * written by a newer AegisLog (a version this build does not know) is refused.
 *
 * Text that is compared or ordered (tenant ids, RFC 3339 times) is `COLLATE "C"`:
 * bytewise, as §4.3 orders tenant ids and as the time strings sort, whatever the
 * database's default collation.
 */
import { AegisLogError } from '../protocol/index.js';

/** Advisory lock keys (two int4): one namespace for AegisLog, one key per use. */
export const LOCK_SPACE = 0x4145474c; // "AEGL"
export const LOCK_CLOSE = 1;
export const LOCK_SEAL = 2;
export const LOCK_MIGRATE = 3;
/** The namespace of liveness locks: each open store holds one (random key) for as long as its process lives. */
export const LIVE_SPACE = 0x4145474d; // "AEGM"

/** Migration N is `MIGRATIONS[N - 1]`. Append new versions; never edit a released one. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE aegislog_logs (
    tenant_id text COLLATE "C" PRIMARY KEY,
    size bigint NOT NULL,
    last_received_at text COLLATE "C",
    head_size bigint NOT NULL,
    last_head_index bigint,
    pending_since text COLLATE "C"
  );
  CREATE INDEX aegislog_logs_pending ON aegislog_logs (pending_since) WHERE pending_since IS NOT NULL;
  CREATE TABLE aegislog_records (
    tenant_id text COLLATE "C" NOT NULL,
    leaf_index bigint NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    received_at text COLLATE "C" NOT NULL,
    digest text NOT NULL,
    key_id text NOT NULL,
    trace_id text NOT NULL,
    signature text,
    receipt_hash bytea NOT NULL,
    event_json text NOT NULL,
    PRIMARY KEY (tenant_id, leaf_index)
  ) WITH (fillfactor = 90);
  CREATE UNIQUE INDEX aegislog_records_id ON aegislog_records (tenant_id, event_id);
  CREATE TABLE aegislog_tiles (
    log text COLLATE "C" NOT NULL,
    level integer NOT NULL,
    idx bigint NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (log, level, idx)
  );
  CREATE TABLE aegislog_heads (
    head_index bigint PRIMARY KEY,
    tenant_id text COLLATE "C" NOT NULL,
    period_start text COLLATE "C" NOT NULL,
    tree_size bigint NOT NULL,
    head_json text NOT NULL
  );
  CREATE UNIQUE INDEX aegislog_heads_period ON aegislog_heads (tenant_id, period_start);
  CREATE UNIQUE INDEX aegislog_heads_size ON aegislog_heads (tenant_id, tree_size);
  CREATE TABLE aegislog_checkpoints (
    seq bigint PRIMARY KEY,
    period_start text COLLATE "C" NOT NULL UNIQUE,
    period_end text COLLATE "C" NOT NULL UNIQUE,
    tree_size bigint NOT NULL,
    sealed_at text NOT NULL,
    note text NOT NULL
  );
  CREATE TABLE aegislog_meta (key text COLLATE "C" PRIMARY KEY, value text COLLATE "C" NOT NULL);
  CREATE TABLE aegislog_signing_keys (
    n bigint GENERATED ALWAYS AS IDENTITY,
    kid text PRIMARY KEY,
    jwk_json text NOT NULL
  );
  CREATE TABLE aegislog_seal_lease (
    id integer PRIMARY KEY CHECK (id = 1),
    holder text NOT NULL,
    instance bigint NOT NULL,
    until bigint NOT NULL
  );
  -- §4.1: received_at never decreases along a log, so the entries below a time are a prefix:
  -- a binary search of O(log n) index probes, in one round trip.
  CREATE FUNCTION aegislog_size_at(tenant text, n bigint, at text) RETURNS bigint
  LANGUAGE plpgsql STABLE AS $$
  DECLARE lo bigint := 0; hi bigint := n; mid bigint;
  BEGIN
    WHILE lo < hi LOOP
      mid := (lo + hi) / 2;
      IF (SELECT received_at FROM aegislog_records WHERE tenant_id = tenant AND leaf_index = mid) < at COLLATE "C" THEN
        lo := mid + 1;
      ELSE
        hi := mid;
      END IF;
    END LOOP;
    RETURN lo;
  END $$;
  `,
  // 2: a tenant's heads in head-index order, for `heads` (GET /logs/<tenant>/heads): with only the indexes by
  // period and by size, each page sorted all of the tenant's heads, or (the plan a connection keeps once the
  // statement goes generic) walked the primary key from `after`, over every tenant's heads: 75 ms a page at
  // 10^6 heads. Built once, at the first start of this version (0.55 s at 10^6 heads).
  `
  CREATE INDEX aegislog_heads_tenant ON aegislog_heads (tenant_id, head_index);
  `,
];

export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** Brings the database to the latest version, in one transaction under an advisory lock. */
export async function migrate(client: Queryable): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${LOCK_SPACE}, ${LOCK_MIGRATE})`);
    await client.query('CREATE TABLE IF NOT EXISTS aegislog_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query('SELECT coalesce(max(version), 0) AS v FROM aegislog_migrations');
    const current = Number(rows[0]!.v);
    if (current > MIGRATIONS.length) {
      throw new AegisLogError('ERR_STORE_VERSION', `the database was written by a newer AegisLog (schema ${current}, this one knows ${MIGRATIONS.length}); upgrade aegislog`);
    }
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version - 1]!);
      await client.query('INSERT INTO aegislog_migrations (version) VALUES ($1)', [version]);
    }
    await client.query('COMMIT');
    return MIGRATIONS.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
