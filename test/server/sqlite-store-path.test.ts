import { expect, test } from 'vitest';
import { sqliteStore } from '../../src/server/sqlite-store.js';

// An unset setting (`sqliteStore(process.env.AEGISLOG_DB)`) threw a TypeError of its own (reading 'startsWith'),
// where postgresStore refuses a missing connectionString as ERR_CONFIG naming it.
test.each([[undefined], [null], [42], [{ path: 'a.db' }]])('sqliteStore(%j) is refused with ERR_CONFIG naming path', async (path) => {
  await expect(sqliteStore(path as never)).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'path' });
});

// An empty one (AEGISLOG_DB= in a compose file) opened better-sqlite3's anonymous temporary database, deleted on
// close: receipts were issued for evidence that was gone at the next restart.
test('sqliteStore("") is refused with ERR_CONFIG naming path, not opened as a temporary database', async () => {
  await expect(sqliteStore('')).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'path' });
});
