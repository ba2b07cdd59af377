import { afterAll, beforeAll, expect, test } from 'vitest';
import { createServer, localSigner } from '../../src/server/node.js';
import type { Store } from '../../src/server/node.js';
import { postgresStore } from '../../src/server/postgres-store.js';
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
