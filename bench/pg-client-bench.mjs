// Which PostgreSQL client for postgresStore: node-postgres (`pg`) or `postgres` (porsager)?
// Both run the same work on a throwaway cluster (Debian's postgresql, fsync on), each with a
// pool of 8 connections and 32 callers in flight:
//  1. the sequencer's transaction shape: BEGIN; a shared advisory lock; SELECT ... FOR UPDATE of
//     the tenant's log row; a read of 25 event ids; INSERT of 25 records (unnest of arrays);
//     UPDATE of the log row; COMMIT (8 tenants, so callers queue on each row as ingest does);
//  2. point reads by primary key with bytea results (what /evidence does per tile and record).
// Same statements, same parameters, each awaited in turn (neither client's pipelining is used:
// the store needs each answer before its next statement). Each client runs twice, in the order
// pg, postgres, postgres, pg, and its better run counts (a shared machine's load moves). Bounded by count.
// Usage: node bench/pg-client-bench.mjs [--tx 1500] [--reads 20000]
import { parseArgs } from 'node:util';
import { startPostgres } from '../scripts/pg-cluster.mjs';

const { values } = parseArgs({ options: { tx: { type: 'string' }, reads: { type: 'string' } } });
const TX = Number(values.tx ?? 1500);
const READS = Number(values.reads ?? 20000);
const CALLERS = 32;
const POOL = 8;
const TENANTS = 8;
const BATCH = 25;

const SCHEMA = `
CREATE TABLE logs (tenant_id text COLLATE "C" PRIMARY KEY, size bigint NOT NULL, last_received_at text);
CREATE TABLE records (tenant_id text COLLATE "C" NOT NULL, leaf_index bigint NOT NULL, event_id text NOT NULL,
  received_at text NOT NULL, receipt_hash bytea NOT NULL, event_json text NOT NULL, PRIMARY KEY (tenant_id, leaf_index));
CREATE UNIQUE INDEX records_id ON records (tenant_id, event_id);
CREATE TABLE tiles (log text COLLATE "C" NOT NULL, level int NOT NULL, idx bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (log, level, idx));
`;

const cluster = await startPostgres();
const rows = [];
try {
  for (const [run, name] of ['pg', 'postgres', 'postgres', 'pg'].entries()) {
    const url = cluster.createDatabase(`bench_${run}_${name}`);
    const client = name === 'pg' ? await pgClient(url) : await porsagerClient(url);
    await client.exec(SCHEMA);
    await client.exec(`INSERT INTO logs SELECT 't' || i, 0, NULL FROM generate_series(0, ${TENANTS - 1}) i`);
    await client.exec(`INSERT INTO tiles SELECT 'root', 0, i, decode(repeat('ab', 8192), 'hex') FROM generate_series(0, 999) i`);
    const hash = new Uint8Array(32).fill(7);
    let next = 0;
    const tx = await measure(TX, async (i) => {
      const tenant = `t${i % TENANTS}`;
      await client.transaction(async (q) => {
        await q('SELECT pg_advisory_xact_lock_shared(1095060819, 1)', []);
        const [log] = await q('SELECT size, last_received_at FROM logs WHERE tenant_id = $1 FOR UPDATE', [tenant]);
        const ids = Array.from({ length: BATCH }, () => `e${next++}`);
        await q('SELECT event_id FROM records WHERE tenant_id = $1 AND event_id = ANY($2::text[])', [tenant, ids]);
        const size = Number(log.size);
        const at = new Date().toISOString();
        await q(
          `INSERT INTO records (tenant_id, leaf_index, event_id, received_at, receipt_hash, event_json)
           SELECT $1, l, e, $2, $3, j FROM unnest($4::bigint[], $5::text[], $6::text[]) AS u(l, e, j)`,
          [tenant, at, hash, ids.map((_, k) => size + k), ids, ids.map((id) => `{"event_id":"${id}","event_type":"bench","model_id":"m"}`)],
        );
        await q('UPDATE logs SET size = $2, last_received_at = $3 WHERE tenant_id = $1', [tenant, size + BATCH, at]);
      });
    });
    const reads = await measure(READS, async (i) => {
      const [row] = await client.query('SELECT data FROM tiles WHERE log = $1 AND level = 0 AND idx = $2', ['root', i % 1000]);
      if (row.data.length !== 8192) throw new Error('short tile');
    });
    console.log(`${name.padEnd(8)}  ${tx.perSecond.toFixed(0).padStart(6)} append tx/s (p99 ${tx.p99.toFixed(1)} ms)   ${reads.perSecond.toFixed(0).padStart(6)} point reads/s (p99 ${reads.p99.toFixed(2)} ms)`);
    rows.push({ name, tx, reads });
    await client.end();
  }
} finally {
  await cluster.stop();
}
const best = (name) => {
  const runs = rows.filter((r) => r.name === name);
  return { tx: runs.reduce((a, b) => (b.tx.perSecond > a.tx.perSecond ? b : a)).tx, reads: runs.reduce((a, b) => (b.reads.perSecond > a.reads.perSecond ? b : a)).reads };
};
const [pg, porsager] = [best('pg'), best('postgres')];
console.log(
  JSON.stringify([
    { name: 'pg: sequencer transactions (25 events, 8 tenants)', value: Math.round(pg.tx.perSecond), unit: 'tx/s', peer: 'postgres', peerValue: Math.round(porsager.tx.perSecond), peerUnit: 'tx/s' },
    { name: 'pg: point reads of 8 KiB tiles', value: Math.round(pg.reads.perSecond), unit: 'reads/s', peer: 'postgres', peerValue: Math.round(porsager.reads.perSecond), peerUnit: 'reads/s' },
  ]),
);

async function measure(count, body) {
  const latencies = [];
  let started = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (started < count) {
        const i = started++;
        const t = performance.now();
        await body(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] };
}

async function pgClient(url) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  return {
    exec: (text) => pool.query(text),
    query: async (text, params) => (await pool.query(text, params)).rows,
    async transaction(body) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await body(async (text, params) => (await c.query(text, params)).rows);
        await c.query('COMMIT');
      } catch (error) {
        await c.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        c.release();
      }
    },
    end: () => pool.end(),
  };
}

async function porsagerClient(url) {
  const { default: postgres } = await import('postgres');
  const sql = postgres(url, { max: POOL, onnotice: () => {} });
  return {
    exec: (text) => sql.unsafe(text),
    query: (text, params) => sql.unsafe(text, params),
    transaction: (body) => sql.begin((tx) => body((text, params) => tx.unsafe(text, params))),
    end: () => sql.end(),
  };
}
