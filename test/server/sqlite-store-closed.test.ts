import { join } from 'node:path';
import { expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import { sqliteStore } from '../../src/server/sqlite-store.js';
import { tempDir } from './helpers.js';
import { entry } from './store-conformance.js';

/**
 * A request still running when the server stops (cut after the grace period, its signer slow) reaches the store
 * after `close()`. postgresStore refuses such a call as ERR_STORE_UNAVAILABLE (503, retry); the SQLite store failed
 * with better-sqlite3's own TypeError ("The database connection is not open"), a 500.
 */
test.each([{}, { writer: true, readers: 1 }])('a closed SQLite store (%j) refuses its calls as unavailable; what was queued before the close is kept', async (options) => {
  const temp = await tempDir();
  const path = join(temp.dir, 'store.db');
  const store = await sqliteStore(path, options);
  const append = (id: string) => store.append({ tenantId: 'acme', entries: [entry('acme', id)], now: Date.UTC(2026, 10, 28, 9), keyId: 'k1', sha256 });
  const before = append('before');
  await store.close();
  expect((await before)[0]!.stored).toBe(true);
  const unavailable = { name: 'AegisLogError', code: 'ERR_STORE_UNAVAILABLE', message: expect.stringMatching(/closed/) };
  await expect(append('after')).rejects.toMatchObject(unavailable);
  await expect(store.getRecord('acme', 'before')).rejects.toMatchObject(unavailable);
  await expect(store.putSignatures([{ tenantId: 'acme', eventId: 'before', leafIndex: 0, signature_b64url: 's' }])).rejects.toMatchObject(unavailable);
  await expect(store.latestCheckpoint()).rejects.toMatchObject(unavailable);
  await expect(store.readTiles('acme', [{ level: 0, index: 0, width: 1 }])).rejects.toMatchObject(unavailable);
  await expect(store.close()).resolves.toBeUndefined();
  const again = await sqliteStore(path);
  try {
    expect(await again.logSize('acme')).toBe(1);
  } finally {
    await again.close();
  }
});

/**
 * A read on a reader thread that close() ends before it answers: the thread's exit failed the call with a bare
 * Error ("a SQLite reader thread exited"), a 500, where postgresStore turns any failure of a call once the store is
 * closed into ERR_STORE_UNAVAILABLE (503, retry).
 */
test('a read in flight on a reader thread when the store closes fails as unavailable, not with the thread\'s exit', async () => {
  const temp = await tempDir();
  const store = await sqliteStore(join(temp.dir, 'store.db'), { readers: 1 });
  await store.append({ tenantId: 'acme', entries: [entry('acme', 'a')], now: Date.UTC(2026, 10, 28, 9), keyId: 'k1', sha256 });
  const reading = store.getRecord('acme', 'a').then(() => 'answered', (error: unknown) => error);
  await store.close();
  const outcome = await reading;
  // The thread may have answered before it ended; if it did not, the refusal is the closed store's.
  if (outcome !== 'answered') expect(outcome).toMatchObject({ name: 'AegisLogError', code: 'ERR_STORE_UNAVAILABLE', message: expect.stringMatching(/closed/) });
});
