import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { sqliteStore } from '../../src/server/sqlite-store.js';
import { tempDir } from './helpers.js';

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

// A path SQLite cannot open as a database: a folder (`sqliteStore('./data')`, taken for a data folder), or a file
// of other bytes. The driver's SqliteError came out as it was, where every other mistake in the path is ERR_CONFIG.
test.each([
  ['a folder', async (dir: string) => dir],
  // Its folder cannot be made (a file stands where the folder would be): Node's ENOTDIR came out as it was.
  ['a path under a file', async (dir: string) => {
    await writeFile(join(dir, 'data'), 'a file, not a folder\n');
    return join(dir, 'data', 'aegislog.db');
  }],
  ['a file that is no database', async (dir: string) => {
    const path = join(dir, 'notes.txt');
    await writeFile(path, `${'this file holds text, not a SQLite database. '.repeat(4)}\n`);
    return path;
  }],
])('sqliteStore of %s is refused with ERR_CONFIG naming path', async (_what, pathIn) => {
  const temp = await tempDir();
  try {
    await expect(sqliteStore(await pathIn(temp.dir))).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'path' });
  } finally {
    await temp.remove();
  }
});
