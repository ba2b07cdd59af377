import { expect, test } from 'vitest';
import { postgresStore } from '../../src/server/postgres-store.js';
import { sha256, type TenantHead } from '../../src/protocol/index.js';
import { LOCK_CLOSE, LOCK_SPACE } from '../../src/server/postgres-schema.js';
import { entry } from './store-conformance.js';
import { BASE as base, appendOne as append, pollUntil, testSealer, usePostgres, waitingOn, withTwo } from './postgres-fleet.js';

/**
 * How postgresStore's locks order appends, closes and seals of several processes (stores of their own on one
 * database), on a throwaway cluster: waits are read from pg_stat_activity, never timed.
 */
const db = usePostgres();

test('two processes append to the same logs while both seal at once: every entry in exactly one head, leaf indexes dense, received_at monotone', async () => {
  const url = db.cluster.createDatabase();
  const stores = [await postgresStore(url), await postgresStore(url)];
  let t = base;
  const now = () => t;
  const sealers = stores.map((store) => testSealer(store, now));
  try {
    const TENANTS = ['acme', 'beta', 'gamma'];
    let done = 0;
    let rounds = 0;
    const ROUNDS = 500;
    // Twice on the way, each appender lets a whole round of seals start after its appends so far: so at least three
    // rounds meet new entries whatever the machine's speed (appends that all finished within the first round made two
    // checkpoints only, and the test failed under load).
    const aRoundFromNow = async () => {
      const seen = rounds;
      while (rounds < seen + 2 && rounds < ROUNDS) await new Promise((go) => setImmediate(go));
    };
    const appenders = [0, 1, 2, 3].map(async (k) => {
      for (let i = 0; i < 60; i++) {
        if (i === 20 || i === 40) await aRoundFromNow();
        await stores[k % 2]!.append({ tenantId: TENANTS[(k + i) % 3]!, entries: [entry(TENANTS[(k + i) % 3]!, `${k}-${i}`)], now: t++, keyId: 'k', sha256 });
      }
      done++;
    });
    for (; rounds < ROUNDS && done < 4; rounds++) await Promise.all(sealers.map((s) => s.sealNow()));
    await Promise.all(appenders);
    t++;
    await Promise.all(sealers.map((s) => s.sealNow()));
    const admin = new db.pg.Client({ connectionString: url });
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

test('a close waits only for the appends that run, not for one queued on a busy log: other tenants\' appends go on', () =>
  withTwo(db, async ({ a, b, admin, other: busy }) => {
    const waiting = (event: string) => waitingOn(admin, event);
    await append(a, 'hot', 'h0');
    // Another process's long transaction on the hot log's row; an append of this one queues on it.
    await busy.query('BEGIN');
    await busy.query("SELECT 1 FROM aegislog_logs WHERE tenant_id = 'hot' FOR UPDATE");
    const queued = append(a, 'hot', 'h1');
    expect(await pollUntil(async () => (await waiting('transactionid')) > 0)).toBe(true);
    const end = new Date(base + 60_000).toISOString();
    const closing = b.closePeriod(end);
    let settled = false;
    const cold = append(b, 'cold', 'c1').finally(() => (settled = true));
    let stalled = false; // the close, and the cold append behind it
    await pollUntil(async () => settled || (stalled = (await waiting('advisory')) >= 2), 2000);
    expect(stalled, 'the close waits for the queued append, and the cold log\'s append waits behind the close').toBe(false);
    await closing;
    expect((await cold)[0]).toMatchObject({ stored: true, record: { statement: { received_at: end } } });
    await busy.query('COMMIT');
    expect((await queued)[0]).toMatchObject({ stored: true, record: { leafIndex: 1, statement: { received_at: end } } }); // committed after the close
  }), 60_000);

test('the first append of a log waits for another process making its row without the close lock: the close goes on, no deadlock to untie', () =>
  withTwo(db, async ({ a, b, admin, other }) => {
    const waiting = (event: string) => waitingOn(admin, event);
    await append(a, 'old', 'o1'); // the schema, and a log that exists
    // Another process has made the new log's row (not committed yet) and holds it.
    await other.query('BEGIN');
    await other.query("INSERT INTO aegislog_logs (tenant_id, size, head_size) VALUES ('new', 0, 0)");
    const first = append(a, 'new', 'n1');
    expect(await pollUntil(async () => (await waiting('transactionid')) > 0)).toBe(true);
    const end = new Date(base + 60_000).toISOString();
    let closed = false;
    const closing = b.closePeriod(end).finally(() => (closed = true));
    let stalled = false;
    await pollUntil(async () => closed || (stalled = (await waiting('advisory')) > 0));
    // Had the first append held the close lock while it waited on the row, the close would wait for it, the other
    // process queue behind the close, and all three stall until PostgreSQL's deadlock check reorders them.
    expect(stalled, 'the close waits for an append that waits on a row').toBe(false);
    const next = other.query(`SELECT pg_advisory_xact_lock_shared(${LOCK_SPACE}, ${LOCK_CLOSE})`).then(() => other.query('COMMIT'));
    const results = await Promise.allSettled([first, closing, next]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'ok'))).toEqual(['ok', 'ok', 'ok']);
    expect((await first)[0]).toMatchObject({ stored: true, record: { leafIndex: 0, statement: { received_at: end } } });
  }), 60_000);

test('two processes keeping signatures of the same records in opposite orders both finish: no deadlock, the first signature kept', () =>
  withTwo(db, async ({ a, b, admin, other }) => {
    for (let i = 0; i < 4; i++) await append(a, 'acme', `e${i}`);
    // A table of some size, analyzed, for the plan a production table gets: the list drives an index probe per
    // record, so rows are taken in list order. (On a few rows the planner scans the table in its physical order,
    // the same for both processes, which hides the fault.)
    await a.append({ tenantId: 'acme', entries: Array.from({ length: 500 }, (_, i) => entry('acme', `filler-${i}`)), now: base, keyId: 'k', sha256 });
    await admin.query('ANALYZE aegislog_records');
    const write = (i: number, by: string) => ({ tenantId: 'acme', eventId: `e${i}`, leafIndex: i, signature_b64url: `${by}-${i}` });
    // Another connection holds records 2 and 3, so that each process's statement stops on one of them, having taken
    // what it takes before (in list order, records 0 and 1: the two processes one each), until that one commits.
    await other.query('BEGIN');
    await other.query("SELECT 1 FROM aegislog_records WHERE tenant_id = 'acme' AND leaf_index IN (2, 3) FOR UPDATE");
    const signing = [a.putSignatures([write(0, 'a'), write(2, 'a'), write(1, 'a')])];
    expect(await pollUntil(async () => (await waitingOn(admin, 'transactionid')) >= 1)).toBe(true); // a first
    signing.push(b.putSignatures([write(1, 'b'), write(3, 'b'), write(0, 'b')]));
    expect(await pollUntil(async () => (await waitingOn(admin, 'transactionid')) >= 2)).toBe(true);
    await other.query('COMMIT');
    const results = await Promise.allSettled(signing);
    expect(results.map((r) => (r.status === 'rejected' ? ((r.reason as { code?: string }).code ?? String(r.reason)) : 'ok'))).toEqual(['ok', 'ok']);
    const { rows } = await admin.query("SELECT signature FROM aegislog_records WHERE tenant_id = 'acme' AND leaf_index < 4 ORDER BY leaf_index");
    // a took records 0 to 2 in (tenant, leaf) order, b waited for it, then kept only record 3's.
    expect(rows.map((r) => r.signature)).toEqual(['a-0', 'a-1', 'a-2', 'b-3']);
  }), 60_000);

test('on a database whose default isolation is repeatable read, an append still reads closed_until after the close lock', async () => {
  const url = db.cluster.createDatabase();
  const [admin, other] = [new db.pg.Client({ connectionString: url }), new db.pg.Client({ connectionString: url })];
  await Promise.all([admin.connect(), other.connect()]);
  // An operator's setting, taken by every session opened after it: the store's included.
  const name = (await admin.query('SELECT current_database() AS d')).rows[0].d as string;
  await admin.query(`ALTER DATABASE "${name}" SET default_transaction_isolation = 'repeatable read'`);
  const store = await postgresStore(url);
  try {
    await append(store, 'acme', 'first'); // the log row exists
    // A close that holds its lock while the append runs: the append takes the row, then waits for the close.
    const end = new Date(base + 60_000).toISOString();
    await other.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    await other.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, LOCK_CLOSE]);
    await other.query("INSERT INTO aegislog_meta (key, value) VALUES ('closed_until', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [end]);
    const appending = append(store, 'acme', 'late');
    expect(await pollUntil(async () => (await waitingOn(admin, 'advisory')) > 0)).toBe(true);
    await other.query('COMMIT');
    // Committed after the close: stamped at its end, never inside the closed period (§4.1).
    expect((await appending)[0]).toMatchObject({ stored: true, record: { leafIndex: 1, statement: { received_at: end } } });
  } finally {
    await other.query('ROLLBACK').catch(() => {});
    await Promise.all([admin.end(), other.end()]);
    await store.close();
  }
}, 60_000);

test('two signatures of one record that arrive in one turn: the record keeps the first it was given', () =>
  withTwo(db, async ({ b, admin }) => {
    await b.append({ tenantId: 'acme', entries: Array.from({ length: 500 }, (_, i) => entry('acme', `e${i}`)), now: base, keyId: 'k', sha256 });
    await admin.query('ANALYZE aegislog_records');
    const write = (i: number, by: string) => ({ tenantId: 'acme', eventId: `e${i}`, leafIndex: i, signature_b64url: `${by}-${i}` });
    await Promise.all([b.putSignatures([write(5, 'first'), write(7, 'first')]), b.putSignatures([write(7, 'second'), write(5, 'second')])]);
    const { rows } = await admin.query("SELECT signature FROM aegislog_records WHERE tenant_id = 'acme' AND leaf_index IN (5, 7) ORDER BY leaf_index");
    expect(rows.map((r) => r.signature)).toEqual(['first-5', 'first-7']);
  }), 60_000);
