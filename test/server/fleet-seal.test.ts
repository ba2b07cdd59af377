import { afterAll, beforeAll, expect, test } from 'vitest';
import { createServer, localSigner } from '../../src/server/node.js';
import type { Store } from '../../src/server/node.js';
import { postgresStore } from '../../src/server/postgres-store.js';
import { LIVE_SPACE } from '../../src/server/postgres-schema.js';
import { startPostgres, type PostgresCluster } from '../../scripts/pg-cluster.mjs';
import { KEY_CONFIG, KEYS, NOTE_KEY, ORIGIN, TENANT } from './helpers.js';

/**
 * Seals in a fleet: processes on one PostgreSQL database (here, stores of their own in one test
 * process, each with its own liveness lock and lease holder), on a throwaway cluster.
 */
let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres({ fsync: false });
}, 120_000);
afterAll(() => cluster?.stop());

const post = (path: string, key: string, body: unknown) =>
  new Request(`http://log.test${path}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('POST /admin/seal while another process holds the seal lease waits for it, then seals the open period', async () => {
  const url = cluster.createDatabase();
  const [mine, other] = [await postgresStore(url), await postgresStore(url)];
  let refused = 0;
  const store: Store = {
    ...mine,
    async acquireSealLease(holder, now, ttl) {
      const got = await mine.acquireSealLease(holder, now, ttl);
      if (!got) refused++;
      return got;
    },
  };
  try {
    const server = createServer({ store, signer: await localSigner(), keys: KEY_CONFIG, origin: ORIGIN, noteKey: NOTE_KEY });
    await server.ready;
    expect((await server(post('/ingest', KEYS.ingest, { event_type: 't', event_id: 'e1' }))).status).toBe(200);
    // Another process's seal timer holds the lease (sealing what is due, not this open period).
    expect(await other.acquireSealLease('other-process', Date.now(), 60_000)).toBe(true);
    const sealing = server(post('/admin/seal', KEYS.admin, {}));
    await expect.poll(() => refused, { timeout: 30_000 }).toBeGreaterThan(0);
    await other.releaseSealLease('other-process');
    const answer = await sealing;
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { sealed: { tree_size: number }[] };
    expect(body.sealed).toHaveLength(1);
    expect((await mine.lastHead(TENANT))?.head.tree_size).toBe(1);
  } finally {
    await mine.close();
    await other.close();
  }
}, 60_000);

test('a seal that outlasts the lease renews it: another process cannot take the period over while it runs', async () => {
  const url = cluster.createDatabase();
  const [mine, other] = [await postgresStore(url), await postgresStore(url)];
  const BOUNDARY = Date.UTC(2026, 10, 28, 9);
  let t = BOUNDARY + 5_000;
  // The seal reads each grown tenant's size; the test holds it at t2 and t3 while the clock moves on.
  const gates = new Map<string, { reached: boolean; open: () => void; opened: Promise<void> }>();
  for (const tenant of ['t2', 't3']) {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    gates.set(tenant, { reached: false, open, opened });
  }
  const store: Store = {
    ...mine,
    async sizeAt(tenant, time) {
      const gate = gates.get(tenant);
      if (gate) {
        gate.reached = true;
        await gate.opened;
      }
      return mine.sizeAt(tenant, time);
    },
  };
  try {
    const server = createServer({ store, signer: await localSigner(), keys: KEY_CONFIG, origin: ORIGIN, noteKey: NOTE_KEY, now: () => t, period: 60 });
    await server.ready;
    for (const tenant of ['t1', 't2', 't3']) {
      expect((await server(post('/ingest', KEYS.admin, { event_type: 't', tenant_id: tenant }))).status).toBe(200);
    }
    t = BOUNDARY + 60_000 + 1_000;
    const sealing = server.sealDue();
    await expect.poll(() => gates.get('t2')!.reached, { timeout: 30_000 }).toBe(true);
    t += 40_000; // a slow seal: 40 s on one tenant…
    gates.get('t2')!.open();
    await expect.poll(() => gates.get('t3')!.reached, { timeout: 30_000 }).toBe(true);
    t += 40_000; // …and 40 s on the next: 80 s since the lease was taken, still sealing
    expect(await other.acquireSealLease('other-process', t, 60_000)).toBe(false);
    gates.get('t3')!.open();
    const sealed = await sealing;
    expect(sealed.map((c) => c.period_end)).toEqual([new Date(BOUNDARY + 60_000).toISOString()]);
    expect((await mine.lastHead('t3'))?.head.tree_size).toBe(1);
  } finally {
    for (const gate of gates.values()) gate.open();
    await mine.close();
    await other.close();
  }
}, 60_000);

test('a seal whose lease was taken over when its liveness connection was terminated, and that another process finished, answers that seal, not 500', async () => {
  const url = cluster.createDatabase();
  const [storeA, storeB] = [await postgresStore(url), await postgresStore(url)];
  let held = false;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const wrappedA: Store = {
    ...storeA,
    async commitSeal(seal) {
      held = true;
      await gate;
      return storeA.commitSeal(seal);
    },
  };
  const { default: pg } = await import('pg');
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const signer = await localSigner();
    const [a, b] = [wrappedA, storeB].map((store) => createServer({ store, signer, keys: KEY_CONFIG, origin: ORIGIN, noteKey: NOTE_KEY, onError: () => {} }));
    await Promise.all([a!.ready, b!.ready]);
    expect((await a!(post('/ingest', KEYS.ingest, { event_type: 't', event_id: 'e1' }))).status).toBe(200);
    const sealingA = a!(post('/admin/seal', KEYS.admin, {}));
    await expect.poll(() => held, { timeout: 30_000 }).toBe(true);
    // A's liveness session is terminated (pg_terminate_backend): its lease may be taken over at once, and B seals the period A closed.
    const { instance } = (await db.query('SELECT instance FROM aegislog_seal_lease')).rows[0] as { instance: string };
    await db.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = ${LIVE_SPACE}::oid AND objid = $1::bigint::oid AND objsubid = 2`, [instance]);
    const answerB = await b!(post('/admin/seal', KEYS.admin, {}));
    expect(answerB.status).toBe(200);
    const sealedB = ((await answerB.json()) as { sealed: { period_end: string }[] }).sealed;
    expect(sealedB).toHaveLength(1);
    release();
    const answerA = await sealingA;
    expect(answerA.status).toBe(200);
    expect(((await answerA.json()) as { latest: { period_end: string } }).latest.period_end).toBe(sealedB[0]!.period_end);
    expect((await storeA.checkpoints(0, 10)).map((c) => c.period_end)).toEqual([sealedB[0]!.period_end]);
  } finally {
    release();
    await db.end();
    await storeA.close();
    await storeB.close();
  }
}, 60_000);

test('a seal whose period another process closed later first (its lease taken over) answers that process\'s seal, not 500', async () => {
  const url = cluster.createDatabase();
  const [storeA, storeB] = [await postgresStore(url), await postgresStore(url)];
  let held = false;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const wrappedA: Store = {
    ...storeA,
    async closePeriod(end) {
      held = true;
      await gate;
      return storeA.closePeriod(end);
    },
  };
  const { default: pg } = await import('pg');
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const signer = await localSigner();
    const [a, b] = [wrappedA, storeB].map((store) => createServer({ store, signer, keys: KEY_CONFIG, origin: ORIGIN, noteKey: NOTE_KEY, onError: () => {} }));
    await Promise.all([a!.ready, b!.ready]);
    expect((await a!(post('/ingest', KEYS.ingest, { event_type: 't', event_id: 'e1' }))).status).toBe(200);
    const sealingA = a!(post('/admin/seal', KEYS.admin, {}));
    await expect.poll(() => held, { timeout: 30_000 }).toBe(true);
    const { instance } = (await db.query('SELECT instance FROM aegislog_seal_lease')).rows[0] as { instance: string };
    await db.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = ${LIVE_SPACE}::oid AND objid = $1::bigint::oid AND objsubid = 2`, [instance]);
    const answerB = await b!(post('/admin/seal', KEYS.admin, {}));
    expect(answerB.status).toBe(200);
    const sealedB = ((await answerB.json()) as { sealed: { period_end: string }[] }).sealed;
    expect(sealedB).toHaveLength(1);
    release(); // A now closes at its earlier end
    const answerA = await sealingA;
    expect(answerA.status).toBe(200);
    expect(((await answerA.json()) as { latest: { period_end: string } }).latest.period_end).toBe(sealedB[0]!.period_end);
    expect((await storeA.checkpoints(0, 10)).map((c) => c.period_end)).toEqual([sealedB[0]!.period_end]);
  } finally {
    release();
    await db.end();
    await storeA.close();
    await storeB.close();
  }
}, 60_000);

test('/healthz of one process shows the seal another process made, read from the store at most once a second', async () => {
  const url = cluster.createDatabase();
  const [storeA, storeB] = [await postgresStore(url), await postgresStore(url)];
  let reads = 0;
  const countedB: Store = {
    ...storeB,
    async latestCheckpoint() {
      reads++;
      return storeB.latestCheckpoint();
    },
  };
  let t = Date.UTC(2026, 10, 28, 9, 0, 30);
  try {
    const signer = await localSigner();
    const [a, b] = [storeA, countedB].map((store) => createServer({ store, signer, keys: KEY_CONFIG, origin: ORIGIN, noteKey: NOTE_KEY, now: () => t }));
    await Promise.all([a!.ready, b!.ready]);
    const health = async () => (await (await b!(new Request('http://log.test/healthz'))).json()) as { latest_checkpoint: unknown; open_period_start: string };
    expect((await health()).latest_checkpoint).toBeNull();
    expect((await a!(post('/ingest', KEYS.ingest, { event_type: 't', event_id: 'e1' }))).status).toBe(200);
    t += 1;
    const answer = (await (await a!(post('/admin/seal', KEYS.admin, {}))).json()) as { sealed: { tree_size: number; period_end: string }[] };
    expect(answer.sealed).toHaveLength(1);
    const [{ tree_size, period_end }] = answer.sealed as [{ tree_size: number; period_end: string }];
    // A flood of probes within B's second: B asks the store nothing more, and shows what it read before A's seal.
    const before = reads;
    for (let i = 0; i < 50; i++) expect((await health()).latest_checkpoint).toBeNull();
    expect(reads).toBe(before);
    t += 1_000;
    // B's seal timer has not run (its period ends at midnight): the probe alone reads A's seal, and the open period with it.
    expect(await health()).toMatchObject({ latest_checkpoint: { tree_size, period_end }, open_period_start: period_end });
    expect(reads).toBe(before + 1);
  } finally {
    await storeA.close();
    await storeB.close();
  }
}, 60_000);

test('a server that started while its database was restarting serves once the database is back, not 503 for good', async () => {
  const url = cluster.createDatabase();
  const store = await postgresStore({ connectionString: url, connectionTimeoutMillis: 2000 });
  let down = false;
  try {
    cluster.stopServer('immediate');
    down = true;
    const server = createServer({ store, signer: await localSigner(), keys: KEY_CONFIG, origin: ORIGIN, noteKey: NOTE_KEY, onError: () => {} });
    await expect(server.ready).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    const refused = await server(post('/ingest', KEYS.ingest, { event_type: 't', event_id: 'e1' }));
    expect(refused.status).toBe(503);
    await cluster.startServer();
    down = false;
    const back = await server(post('/ingest', KEYS.ingest, { event_type: 't', event_id: 'e1' }));
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ ok: true, event_id: 'e1' });
    expect((await store.keys()).length).toBe(1); // the start-up work (the receipt key kept) ran once the store was back
  } finally {
    if (down) await cluster.startServer();
    await store.close();
  }
}, 60_000);
