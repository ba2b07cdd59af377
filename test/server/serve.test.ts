import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceBundle, ExportLine, Receipt } from '../../src/protocol/index.js';
import { LIVE_SPACE } from '../../src/server/postgres-schema.js';
import { importPublicKey, verifyEvidence, type KeyInput } from '../../src/verify/index.js';
import { startPostgres, type PostgresCluster } from '../../scripts/pg-cluster.mjs';
import { bundleProblems, exportProblems } from '../support/v2-check.js';
import { stopChild } from './child.js';
import { ADMIN_KEY, fleetKeys, ingestKey, runCli, serveArgs, startServe, type FleetKeys, type ServeProcess } from './fleet.js';
import { tempDir } from './helpers.js';
import { pollUntil } from './postgres-fleet.js';

/**
 * `aegislog serve` as an operator runs it: keys from `aegislog keygen --origin`,
 * several processes on one PostgreSQL database that are one log, and a sealer
 * lease that outlives its holder only as long as the holder's process lives.
 */
const TENANTS = ['acme', 'beta'];
let cluster: PostgresCluster;
let temp: Awaited<ReturnType<typeof tempDir>>;
let keys: FleetKeys;
let pinned: KeyInput;
let policy: string;
const running: ServeProcess[] = [];

beforeAll(async () => {
  [cluster, temp] = await Promise.all([startPostgres({ fsync: false }), tempDir()]);
  keys = await fleetKeys(temp.dir, TENANTS);
  pinned = await importPublicKey(JSON.parse(await readFile(keys.publicJwks, 'utf8')));
  policy = `${keys.vkeys.map((v) => `log ${v}`).join('\n')}\nquorum none\n`;
}, 120_000);
afterAll(async () => {
  try {
    for (const p of running) await stopChild(p.child);
  } finally {
    await cluster?.stop();
    await temp?.remove();
  }
});

async function serve(url: string, count: number): Promise<ServeProcess[]> {
  const started = await Promise.all(Array.from({ length: count }, () => startServe(serveArgs(url, keys))));
  running.push(...started);
  return started;
}

async function post(p: ServeProcess, path: string, key: string, body: unknown): Promise<Response> {
  return fetch(`${p.url}${path}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function ingest(p: ServeProcess, tenant: string, n: number, batch: number): Promise<Receipt[]> {
  const singles = Array.from({ length: n }, async (_, i) => {
    const response = await post(p, '/ingest', ingestKey(tenant), { event_type: 'decision', model_id: 'm', metadata: { i } });
    expect(response.status).toBe(200);
    return (await response.json()) as Receipt;
  });
  const events = Array.from({ length: batch }, (_, i) => ({ event_type: 'batched', metadata: { i } }));
  const many = post(p, '/ingest/batch', ingestKey(tenant), { events }).then(async (r) => {
    expect(r.status).toBe(200);
    return ((await r.json()) as { receipts: Receipt[] }).receipts;
  });
  return [...(await Promise.all(singles)), ...(await many)];
}

async function seal(p: ServeProcess): Promise<unknown[]> {
  const response = await post(p, '/admin/seal', ADMIN_KEY, {});
  expect(response.status).toBe(200);
  return ((await response.json()) as { sealed: unknown[] }).sealed;
}

/** Every acknowledged receipt, checked through every process: its sealed bundle verifies, and the tenant's export holds it exactly once. */
async function checkOneLog(fleet: ServeProcess[], receipts: Map<string, Receipt[]>): Promise<void> {
  let k = 0;
  for (const [tenant, acknowledged] of receipts) {
    for (const receipt of acknowledged) {
      const p = fleet[k++ % fleet.length]!;
      const bundle = (await (await fetch(`${p.url}/evidence/${receipt.event_id}?tenant_id=${tenant}`, { headers: { 'x-api-key': ADMIN_KEY } })).json()) as EvidenceBundle;
      expect(bundle.status).toBe('sealed');
      expect(bundle.receipt).toMatchObject({ received_at: receipt.received_at, signature_b64url: receipt.signature_b64url });
      expect(await bundleProblems(bundle, { receiptKeys: pinned, vkeys: keys.vkeys })).toEqual([]);
      const report = await verifyEvidence(bundle, { policy });
      expect([report.ok, report.status, report.checks.receipt_signature?.status]).toEqual([true, 'sealed', 'passed']);
    }
    const p = fleet[k++ % fleet.length]!;
    const heads = (await (await fetch(`${p.url}/logs/${tenant}/heads`, { headers: { 'x-api-key': ADMIN_KEY } })).text()).trim().split('\n');
    expect(heads).toHaveLength(1);
    const { period_start, tree_size } = JSON.parse(heads[0]!).tenant_head as { period_start: string; tree_size: number };
    expect(tree_size).toBe(acknowledged.length);
    const text = await (await fetch(`${p.url}/export?tenant_id=${tenant}&period_start=${encodeURIComponent(period_start)}`, { headers: { 'x-api-key': ADMIN_KEY } })).text();
    expect(await exportProblems(text, { receiptKeys: pinned, vkeys: keys.vkeys })).toEqual([]);
    const lines = text.trim().split('\n').slice(1).map((l) => JSON.parse(l) as ExportLine);
    // One leaf index per receipt, 0..n-1 in order, and received_at never goes back along the log.
    expect(lines.map((l) => l.leaf_index)).toEqual(acknowledged.map((_, i) => i));
    expect(lines.map((l) => l.event_id).sort()).toEqual(acknowledged.map((r) => r.event_id).sort());
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.received_at >= lines[i - 1]!.received_at).toBe(true);
  }
}

describe('aegislog serve', () => {
  it('refuses an incomplete command line with usage (exit 2)', async () => {
    const none = await runCli(['serve', '--signing-key', keys.signingKey, '--note-key', keys.noteKey, '--keys', keys.keysFile, '--origin', 'o.example/log']);
    expect(none.code).toBe(2);
    expect(none.output).toContain('--database-url (or the DATABASE_URL environment variable) is required');
    const both = await runCli(['serve', '--database-url', cluster.url(), '--signing-key', 'k', '--kms-key-id', 'alias/x', '--note-key', 'n', '--keys', 'f', '--origin', 'o.example/log']);
    expect([both.code, both.output.includes('give one of --signing-key FILE and --kms-key-id KEY_ID')]).toEqual([2, true]);
  });

  it('three processes on one database are one log: concurrent ingest through all, one seal, every bundle and export verifies', async () => {
    const fleet = await serve(cluster.createDatabase('serve_one_log'), 3);
    expect(fleet[0]!.child.output()).toContain('store:   PostgreSQL 127.0.0.1');
    const per = await Promise.all(TENANTS.map(async (t) => (await Promise.all(fleet.map((p) => ingest(p, t, 15, 10)))).flat()));
    const receipts = new Map(TENANTS.map((t, i) => [t, per[i]!]));
    for (const [, list] of receipts) expect(new Set(list.map((r) => r.event_id)).size).toBe(3 * 25);
    // Every process runs a sealer; one seal covers what all of them acknowledged.
    expect(await seal(fleet[1]!)).toHaveLength(1);
    await checkOneLog(fleet, receipts);
  });

  it('the sealer lease of a process killed with SIGKILL is taken over by another at once', async () => {
    const url = cluster.createDatabase('serve_lease');
    const [a] = await serve(url, 1);
    const { default: pg } = await import('pg');
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      // A's liveness lock (taken by its start-up seal), the only process on this database so far.
      const live = `FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ${LIVE_SPACE}::oid AND objsubid = 2
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
      const liveLocks = async () => (await db.query(`SELECT objid::bigint AS instance ${live}`)).rows.map((r) => Number(r.instance));
      const [instance, ...others] = await liveLocks();
      expect([typeof instance, others]).toEqual(['number', []]);
      // A's session that holds it (its backend's pid): PostgreSQL releases a session's locks before the
      // session leaves pg_stat_activity.
      const session = (await db.query(`SELECT pid ${live} AND objid = $1::oid`, [instance])).rows[0].pid as number;
      const sessionLives = async () => (await db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [session])).rowCount === 1;
      // A dies in the middle of a seal: the lease row names A's process, far from expiry.
      // (The seal itself takes milliseconds, too short to kill A inside it on purpose.)
      await db.query('INSERT INTO aegislog_seal_lease (id, holder, instance, until) VALUES (1, $1, $2, $3)', ['a-mid-seal', instance, Date.now() + 3_600_000]);
      const [b] = await serve(url, 1);
      const receipts = new Map(TENANTS.map((t) => [t, [] as Receipt[]]));
      for (const t of TENANTS) receipts.get(t)!.push(...(await ingest(a!, t, 5, 5)), ...(await ingest(b!, t, 5, 5)));
      // A is alive and holds the lease: B's seal waits for it (it used to answer "nothing sealed").
      const sealing = seal(b!);
      await stopChild(a!.child, 'SIGKILL');
      running.splice(running.indexOf(a!), 1);
      // PostgreSQL ends A's session when its socket closes; then the lease is free at once, not at expiry.
      // Bounded as every loop of the tests, far beyond any wait seen (2,805 polls with A's session held stopped for 3 s).
      for (let i = 0; i < 1_000_000 && (await sessionLives()); i++);
      expect(await liveLocks()).not.toContain(instance);
      expect(await sealing).toHaveLength(1);
      expect((await db.query('SELECT count(*)::int AS n FROM aegislog_seal_lease')).rows[0].n).toBe(0); // B released it
      await checkOneLog([b!], receipts);
    } finally {
      await db.end();
    }
  });

  it('--query-timeout bounds each database statement: an ingest waiting on a row lock held elsewhere answers 503, the database ends it, and its retry is stored', async () => {
    const url = cluster.createDatabase('serve_query_timeout');
    const p = await startServe(serveArgs(url, keys, ['--query-timeout', '1', '--connect-timeout', '2']));
    running.push(p);
    expect(p.child.output()).toContain('query timeout 1 s, connect timeout 2 s');
    const event = { event_type: 'decision', event_id: 'held-1', metadata: {} };
    expect((await post(p, '/ingest', ingestKey('acme'), { event_type: 'decision' })).status).toBe(200); // acme's log row exists
    const { default: pg } = await import('pg');
    const [holder, admin] = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
    await Promise.all([holder.connect(), admin.connect()]);
    try {
      // Another session holds acme's log row (the tenant's sequencer): the append waits on it.
      const holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      await holder.query("BEGIN; SELECT 1 FROM aegislog_logs WHERE tenant_id = 'acme' FOR UPDATE");
      // `pause` (s) first, in the database: a check for what the database's own timer ends (below) must not run out of
      // checks, back to back on an idle machine, before that timer fires.
      const waiting = async (pause = 0) =>
        (await admin.query(`SELECT count(*)::int AS n FROM pg_sleep(${pause}), pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0].n as number;
      const answer = post(p, '/ingest', ingestKey('acme'), event);
      expect(await pollUntil(async () => (await waiting()) === 1)).toBe(true);
      const refused = await answer;
      expect([refused.status, refused.headers.has('retry-after')]).toEqual([503, true]);
      // The database ends the statement too (its statement_timeout, a little above): the waiting session goes while
      // the holder still holds. At least 15 s of checks, far beyond the wait (about 1 s).
      expect(await pollUntil(async () => (await waiting(0.01)) === 0, 1500)).toBe(true);
      expect((await admin.query('SELECT state FROM pg_stat_activity WHERE pid = $1', [holderPid])).rows).toEqual([{ state: 'idle in transaction' }]);
      await holder.query('ROLLBACK');
      const retried = await post(p, '/ingest', ingestKey('acme'), event);
      expect([retried.status, ((await retried.json()) as Receipt).event_id]).toEqual([200, 'held-1']);
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await Promise.all([holder.end(), admin.end()]);
    }
  });

  it('a process with another period on the same database is refused; SIGTERM stops one cleanly', async () => {
    const url = cluster.createDatabase('serve_pinned');
    const [a] = await serve(url, 1);
    const other = await runCli(serveArgs(url, keys, ['--period', '60']));
    expect(other.code).toBe(1);
    expect(other.output).toContain('this database holds the log with period 86400, not 60');
    a!.child.process.kill('SIGTERM');
    expect((await a!.child.exited).code).toBe(0);
    expect(a!.child.output()).toContain('stopped');
  });
});
