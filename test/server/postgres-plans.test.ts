import { afterAll, beforeAll, expect, test } from 'vitest';
import { postgresStore, SEAL_LOGS } from '../../src/server/postgres-store.js';
import { startPostgres, type PostgresCluster } from '../../scripts/pg-cluster.mjs';

/**
 * The plans PostgreSQL picks for a seal's statements over a filled table, read with EXPLAIN on a throwaway
 * cluster. Both plans count: node-postgres' named statements run custom plans for their first five runs on
 * a connection and may go generic from the sixth, and seals are rare enough that most run custom.
 */
let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres({ fsync: false });
}, 120_000);
afterAll(() => cluster?.stop());

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

test('a seal of 1,000 heads over 10^5 logs finds their logs by index, in custom and generic plans', async () => {
  const url = cluster.createDatabase();
  await (await postgresStore(url)).close(); // the schema
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const LOGS = 100_000;
    const name = (i: number) => `tenant-${String(i).padStart(6, '0')}`;
    await client.query(`INSERT INTO aegislog_logs (tenant_id, size, last_received_at, head_size, pending_since)
      SELECT 'tenant-' || lpad(i::text, 6, '0'), 1, '2026-11-28T09:00:00.000Z', 0, '2026-11-28T09:00:00.000Z' FROM generate_series(0, ${LOGS - 1}) i`);
    await client.query('ANALYZE');
    await client.query(`PREPARE seal AS ${SEAL_LOGS}`);
    const tenants = Array.from({ length: 1000 }, (_, k) => name(k * 100));
    const array = (values: (string | number)[]) => client.escapeLiteral(`{${values.map((v) => JSON.stringify(v)).join(',')}}`);
    const args = [array(tenants), array(tenants.map(() => 1)), array(tenants.map((_, k) => k))];
    for (const mode of ['force_custom_plan', 'force_generic_plan']) {
      await client.query(`SET plan_cache_mode = ${mode}`);
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) EXECUTE seal(${args.join(', ')})`);
      const logs = nodes((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan).filter((n) => n['Relation Name'] === 'aegislog_logs');
      expect(logs.map((n) => n['Node Type']), mode).not.toContain('Seq Scan');
      expect(logs.some((n) => n['Index Name'] === 'aegislog_logs_pkey'), mode).toBe(true);
    }
  } finally {
    await client.end();
  }
}, 120_000);
