import { afterAll, beforeAll, expect, test } from 'vitest';
import { createServer, localSigner } from '../../src/server/node.js';
import { postgresStore } from '../../src/server/postgres-store.js';
import { ROOT_LOG } from '../../src/server/types.js';
import { LIVE_SPACE } from '../../src/server/postgres-schema.js';
import { startPostgres, type PostgresCluster } from '../../scripts/pg-cluster.mjs';
import { entry, storeConformance } from './store-conformance.js';
import { sha256 } from '../../src/protocol/index.js';
import { KEY_CONFIG, KEYS, NOTE_KEY, ORIGIN } from './helpers.js';

/**
 * postgresStore on a real PostgreSQL (Debian's package; a throwaway cluster on
 * 127.0.0.1 that this file starts and removes), one new database per test.
 */
let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres({ fsync: false });
}, 120_000);
afterAll(() => cluster?.stop());

storeConformance('postgresStore (real PostgreSQL)', async () => {
  const url = cluster.createDatabase();
  return { store: await postgresStore(url), reopen: () => postgresStore(url), cleanup: async () => {} };
}, true);

test('migrations: concurrent starts apply each version once; a newer schema is refused', async () => {
  const url = cluster.createDatabase();
  const stores = await Promise.all(Array.from({ length: 4 }, () => postgresStore({ connectionString: url, max: 2 })));
  for (const s of stores) await s.close();
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    expect((await client.query('SELECT version FROM aegislog_migrations ORDER BY version')).rows).toEqual([{ version: 1 }, { version: 2 }]);
    await client.query('INSERT INTO aegislog_migrations (version) VALUES (99)');
  } finally {
    await client.end();
  }
  await expect(postgresStore(url)).rejects.toMatchObject({ code: 'ERR_STORE_VERSION' });
});

test('two stores on one database are one log: one sequencer per tenant, and the lease of a closed store is taken over at once', async () => {
  const url = cluster.createDatabase();
  const [a, b] = [await postgresStore(url), await postgresStore(url)];
  try {
    const now = Date.UTC(2026, 10, 28, 9);
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).append({ tenantId: `t${i % 3}`, entries: [entry(`t${i % 3}`, `e${i}`), entry(`t${i % 3}`, `shared${i % 6}`)], now: now + i, keyId: 'k', sha256 })),
    );
    for (const tenant of ['t0', 't1', 't2']) {
      const indexes = results.flatMap((r, i) => (`t${i % 3}` === tenant ? r.filter((o) => o.stored).map((o) => (o.stored ? o.record.leafIndex : -1)) : []));
      expect(indexes.sort((x, y) => x - y)).toEqual(Array.from({ length: 22 }, (_, i) => i)); // 20 own ids + 2 shared ids each stored once
      expect(await a.logSize(tenant)).toBe(22);
    }
    expect(await a.acquireSealLease('holder-a', now, 60_000)).toBe(true);
    expect(await b.acquireSealLease('holder-b', now + 1, 60_000)).toBe(false);
    await a.close(); // its process ends: the liveness lock goes with its session
    expect(await b.acquireSealLease('holder-b', now + 2, 60_000)).toBe(true);
    expect(await b.logSize(ROOT_LOG)).toBe(0);
  } finally {
    await b.close();
    await a.close().catch(() => {});
  }
});

test('a liveness lock with the same number in another database of the cluster does not keep a dead holder\'s lease', async () => {
  const [urlA, urlB] = [cluster.createDatabase(), cluster.createDatabase()];
  const a = await postgresStore(urlA);
  const { default: pg } = await import('pg');
  const [direct, other] = [new pg.Client({ connectionString: urlA }), new pg.Client({ connectionString: urlB })];
  await Promise.all([direct.connect(), other.connect()]);
  try {
    const now = Date.UTC(2026, 10, 28, 9);
    // A holder that died, whose lease has not expired; its instance number is held live, but in database B.
    await direct.query('INSERT INTO aegislog_seal_lease (id, holder, instance, until) VALUES (1, $1, $2, $3)', ['dead-holder', 424242, now + 60_000]);
    await other.query(`SELECT pg_advisory_lock(${LIVE_SPACE}, 424242)`);
    expect(await a.acquireSealLease('holder-a', now, 60_000)).toBe(true);
  } finally {
    await Promise.all([direct.end(), other.end()]);
    await a.close();
  }
});

test('a database that is down is ERR_STORE_UNAVAILABLE, and the store works again once it is back', async () => {
  const url = cluster.createDatabase();
  const store = await postgresStore({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    const now = Date.UTC(2026, 10, 28, 9);
    await store.append({ tenantId: 'acme', entries: [entry('acme', 'before')], now, keyId: 'k', sha256 });
    cluster.stopServer('immediate');
    await expect(store.append({ tenantId: 'acme', entries: [entry('acme', 'during')], now, keyId: 'k', sha256 })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    await expect(store.getRecord('acme', 'before')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    await cluster.startServer();
    expect(await store.getRecord('acme', 'before')).toMatchObject({ leafIndex: 0 });
    const again = await store.append({ tenantId: 'acme', entries: [entry('acme', 'during')], now, keyId: 'k', sha256 });
    expect(again[0]).toMatchObject({ stored: true, record: { leafIndex: 1 } });
  } finally {
    await store.close();
  }
});

test('a close is ordered with every append: the size below the closed time never changes once closePeriod resolves', async () => {
  const url = cluster.createDatabase();
  const [a, b] = [await postgresStore(url), await postgresStore(url)];
  try {
    const base = Date.UTC(2026, 10, 28, 9);
    let n = 0;
    let stop = false;
    // Two "processes" append with a clock that never passes the closes below: each entry's received_at is
    // max(clock, last, closed_until), so only the order of commit and close decides which side it falls on.
    const appender = async (store: typeof a, tenant: string) => {
      for (let i = 0; i < 400 && !stop; i++) await store.append({ tenantId: tenant, entries: [entry(tenant, `x${n++}`)], now: base, keyId: 'k', sha256 });
    };
    const appenders = [appender(a, 'acme'), appender(b, 'acme'), appender(a, 'beta'), appender(b, 'gamma')];
    const sizes: [string, string, number][] = [];
    for (let k = 1; k <= 5; k++) {
      const end = new Date(base + k).toISOString();
      await (k % 2 ? a : b).closePeriod(end);
      for (const tenant of ['acme', 'beta', 'gamma']) sizes.push([tenant, end, await a.sizeAt(tenant, end)]);
    }
    stop = true;
    await Promise.all(appenders);
    for (const [tenant, end, size] of sizes) expect(await b.sizeAt(tenant, end), `${tenant} below ${end}`).toBe(size);
    expect(sizes.some(([, , size]) => size > 0)).toBe(true);
  } finally {
    await a.close();
    await b.close();
  }
});

test('the server answers 503 with Retry-After while the database is down, never 500, and takes the retry once it is back', async () => {
  const url = cluster.createDatabase();
  const store = await postgresStore({ connectionString: url, connectionTimeoutMillis: 2000 });
  const errors: unknown[] = [];
  const server = createServer({ store, signer: await localSigner(), keys: KEY_CONFIG, origin: ORIGIN, noteKey: NOTE_KEY, onError: (e) => errors.push(e) });
  try {
    await server.ready;
    const ingest = () => server(new Request('http://log.test/ingest', { method: 'POST', headers: { 'x-api-key': KEYS.ingest, 'content-type': 'application/json' }, body: JSON.stringify({ event_type: 't', event_id: 'retry-me' }) }));
    cluster.stopServer('immediate');
    const down = await ingest();
    expect([down.status, down.headers.get('retry-after')]).toEqual([503, '1']);
    expect(((await down.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    expect(errors.length).toBeGreaterThan(0); // the operator sees why
    await cluster.startServer();
    const back = await ingest();
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ ok: true, event_id: 'retry-me' });
  } finally {
    await store.close();
  }
});

test('cosignatures that two processes add to one note are both kept', async () => {
  const url = cluster.createDatabase();
  const [a, b] = [await postgresStore(url), await postgresStore(url)];
  try {
    const { sealOf } = await import('./store-conformance.js');
    await a.append({ tenantId: 'acme', entries: [entry('acme', 'e')], now: Date.UTC(2026, 10, 28, 1), keyId: 'k', sha256 });
    const seal = await sealOf(a, '2026-11-28T00:00:00.000Z', '2026-11-28T02:00:00.000Z');
    await a.commitSeal({ ...seal, note: 'origin\n1\nroot\n\n— origin sig\n' });
    await Promise.all([a.updateNote(0, 'origin\n1\nroot\n\n— origin sig\n— w1 c1\n'), b.updateNote(0, 'origin\n1\nroot\n\n— origin sig\n— w2 c2\n')]);
    const note = (await b.latestCheckpoint())!.note;
    expect(note.split('\n').sort()).toEqual(['', '', 'origin', '1', 'root', '— origin sig', '— w1 c1', '— w2 c2'].sort());
  } finally {
    await a.close();
    await b.close();
  }
});

// node-postgres reads a timeout of 0 as none (a call waiting for ever on a database that is down or silent), one
// beyond a Node timer's range as 1 ms, and max 0 as a pool without a connection: refused before connecting, naming
// the option.
test.each([
  [{ connectionString: 'postgres://127.0.0.1:1/none', connectionTimeoutMillis: 0 }, 'connectionTimeoutMillis'],
  [{ connectionString: 'postgres://127.0.0.1:1/none', connectionTimeoutMillis: Number.NaN }, 'connectionTimeoutMillis'],
  [{ connectionString: 'postgres://127.0.0.1:1/none', queryTimeoutMillis: 0 }, 'queryTimeoutMillis'],
  [{ connectionString: 'postgres://127.0.0.1:1/none', queryTimeoutMillis: -5 }, 'queryTimeoutMillis'],
  [{ connectionString: 'postgres://127.0.0.1:1/none', queryTimeoutMillis: Infinity }, 'queryTimeoutMillis'],
  [{ connectionString: 'postgres://127.0.0.1:1/none', queryTimeoutMillis: 2 ** 31 }, 'queryTimeoutMillis'],
  [{ connectionString: 'postgres://127.0.0.1:1/none', queryTimeoutMillis: '5000' }, 'queryTimeoutMillis'],
  [{ connectionString: 'postgres://127.0.0.1:1/none', max: 0 }, 'max'],
  [{ connectionString: 'postgres://127.0.0.1:1/none', max: 1.5 }, 'max'],
  [{ connectionString: '' }, 'connectionString'],
  [{}, 'connectionString'],
])('postgresStore(%j) is refused with ERR_CONFIG naming %s', async (options, field) => {
  await expect(postgresStore(options as never)).rejects.toMatchObject({ code: 'ERR_CONFIG', field });
});

// A password with a character URL syntax reserves (`#`, `/`), as generated passwords often have, or a port out of
// range: node-postgres's parse threw the WHATWG URL's TypeError ("Invalid URL", naming nothing) out of postgresStore,
// and `aegislog serve` stopped on that line. Refused as ERR_CONFIG naming the option, the password not in the message.
test.each([
  ['postgres://aegis:pa#ss@127.0.0.1:1/none'],
  ['postgres://aegis:pa/ss@127.0.0.1:1/none'],
  ['postgres://127.0.0.1:99999/none'],
])('postgresStore of a connection string that does not parse (%s) is refused with ERR_CONFIG naming connectionString', async (connectionString) => {
  const refused = await postgresStore({ connectionString, connectionTimeoutMillis: 500 }).then(() => undefined, (error: unknown) => error);
  expect(refused).toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'connectionString' });
  expect((refused as Error).message).not.toMatch(/pa.ss/);
});

// A database that turned read-only under the store: the writer endpoint of a managed cluster that still resolves to
// the old primary, now a replica, for a while after a failover, or a primary in maintenance. Each append failed with
// PostgreSQL's 25006 (read_only_sql_transaction) as it was, a 500, where every other fault of the database that a
// retry may outlive is ERR_STORE_UNAVAILABLE (503 with Retry-After).
test('an append on a database that became read-only fails as unavailable (a retry after the failover succeeds), not with pg\'s error', async () => {
  const url = cluster.createDatabase();
  const name = new URL(url).pathname.slice(1);
  const store = await postgresStore({ connectionString: url, max: 1 });
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: cluster.url('postgres') });
  await admin.connect();
  const append = (id: string) => store.append({ tenantId: 'acme', entries: [entry('acme', id)], now: Date.UTC(2026, 10, 28, 9), keyId: 'k', sha256 });
  try {
    await append('before');
    // New sessions are read-only; the store's are ended, so that its next connection is one of them.
    await admin.query(`ALTER DATABASE "${name}" SET default_transaction_read_only = on`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    let refused: unknown;
    for (let i = 0; i < 5; i++) {
      refused = await append('during').then(() => undefined, (error: unknown) => error);
      // A call that met a connection the termination ended: the next one opens a new connection.
      if (!/terminat|Connection/i.test(String((refused as { cause?: Error })?.cause?.message ?? ''))) break;
    }
    expect(refused).toMatchObject({ name: 'AegisLogError', code: 'ERR_STORE_UNAVAILABLE', cause: { code: '25006' } });
    await admin.query(`ALTER DATABASE "${name}" SET default_transaction_read_only = off`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    let stored: unknown;
    for (let i = 0; i < 5 && stored === undefined; i++) stored = await append('during').catch(() => undefined);
    expect(stored).toMatchObject([{ stored: true, record: { leafIndex: 1 } }]);
  } finally {
    await admin.end();
    await store.close();
  }
});

// A database made with a legacy encoding (LATIN1, WIN1252) holds no character outside it: an event with one (a name in
// Japanese, an emoji) failed with 22P05 at each try, a 500 for ever, and so did every append that shared its group commit,
// however plain. The store now refuses such a database when it opens, saying which encoding it needs.
test('a database whose encoding cannot hold every character is refused at open with ERR_CONFIG, before anything is written', async () => {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: cluster.url('postgres') });
  await admin.connect();
  const name = `latin_${process.pid}`;
  try {
    await admin.query(`CREATE DATABASE "${name}" ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
    const refused = await postgresStore(cluster.url(name)).then(async (store) => {
      // What it did before: an event outside LATIN1, and a plain one beside it in the same group commit.
      const now = Date.UTC(2026, 10, 28, 9);
      const outcomes = await Promise.allSettled([
        store.append({ tenantId: 'acme', entries: [entry('acme', 'plain')], now, keyId: 'k', sha256 }),
        store.append({ tenantId: 'acme', entries: [entry('acme', 'kanji', { name: '日本' })], now, keyId: 'k', sha256 }),
      ]);
      await store.close();
      return outcomes;
    }, (error: unknown) => error);
    expect(refused).toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'connectionString', message: expect.stringMatching(/LATIN1.*UTF8/) });
    const tables = new pg.Client({ connectionString: cluster.url(name) });
    await tables.connect();
    try {
      expect((await tables.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'aegislog%'")).rows[0].n).toBe(0);
    } finally {
      await tables.end();
    }
  } finally {
    await admin.end();
  }
});
