import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import { sqliteStore } from '../../src/server/node.js';
import { KEYS, event, tempDir, withServer, withSqliteFile } from './helpers.js';
import { entry } from './store-conformance.js';

/**
 * Another connection (a `sqlite3` shell, a backup tool, a second process) holds the SQLite file's write
 * lock past busy_timeout: the ingest is refused as unavailable (503, Retry-After), not as an internal
 * error, nothing of it is written, and the retry after the lock is gone is taken.
 */
for (const writer of [false, true]) {
  test(`a database locked by another connection answers 503 with Retry-After, and the retry is taken (writer thread: ${writer})`, async () => {
    const temp = await tempDir();
    const path = join(temp.dir, 'aegislog.db');
    await withServer({ store: await sqliteStore(path, { writer }), dir: temp.dir }, async (s) => {
      expect((await s.call('/ingest', { key: KEYS.ingest, json: event() })).status).toBe(200);
      const other = new Database(path);
      const body = event();
      try {
        other.exec('BEGIN IMMEDIATE');
        const refused = await s.call('/ingest', { key: KEYS.ingest, json: body });
        expect([refused.status, refused.headers.get('retry-after')]).toEqual([503, '1']);
        expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unavailable');
        other.exec('COMMIT');
      } finally {
        other.close();
      }
      const taken = await s.call('/ingest', { key: KEYS.ingest, json: body });
      expect(taken.status).toBe(200);
      expect(await taken.json()).toMatchObject({ event_id: body.event_id });
      expect(await s.store.logSize('acme')).toBe(2);
      expect((await s.store.getRecord('acme', body.event_id as string))!.leafIndex).toBe(1);
    });
  }, 30_000);
}

/**
 * While another connection holds the lock, the store waits on timers, not in SQLite's synchronous busy
 * handler: the event loop keeps turning (every other request of the process is answered), and the
 * append is taken once the lock is released. Before, the first try blocked the process for busy_timeout
 * (5 s) and then refused the append.
 */
test('a locked database is waited for without holding the event loop, and the append is taken after', async () => {
  await withSqliteFile({}, async (store, path) => {
    await store.append({ tenantId: 'acme', entries: [entry('acme', 'before')], now: Date.UTC(2026, 11, 1), keyId: 'k1', sha256 });
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      let settled = false;
      const during = store.append({ tenantId: 'acme', entries: [entry('acme', 'during')], now: Date.UTC(2026, 11, 1), keyId: 'k1', sha256 });
      void during.then(() => (settled = true), () => (settled = true));
      // The group commit tries on the next turn: a few turns later it has tried and is waiting, not done.
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      expect(other.prepare("SELECT count(*) FROM records WHERE event_id = 'during'").pluck().get()).toBe(0);
      other.exec('COMMIT');
      const [outcome] = await during;
      expect(outcome).toMatchObject({ stored: true, record: { leafIndex: 1 } });
    } finally {
      other.close();
    }
    expect(await store.logSize('acme')).toBe(2);
  });
}, 30_000);
