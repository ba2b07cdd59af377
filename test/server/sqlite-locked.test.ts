import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { sqliteStore } from '../../src/server/node.js';
import { KEYS, event, tempDir, withServer } from './helpers.js';

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
