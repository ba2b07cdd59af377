/**
 * witnessSqliteStore(process.env.WITNESS_DB) with the variable unset opened a temporary database (better-sqlite3
 * takes no file name, or an empty one, for an anonymous database deleted on close): the witness forgot every
 * checkpoint it cosigned at each restart, and would then cosign a rollback or a fork of a log it had witnessed.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { witnessSqliteStore } from '../../src/witness/node.js';
import { tempDir } from './store-factories.js';

it.each([[undefined], [null], [''], [42]])('witnessSqliteStore(%j) is refused with ERR_CONFIG naming path, opening nothing', async (path) => {
  await expect(witnessSqliteStore(path as never)).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'path' });
});

const dir = tempDir('aegislog-sqlite-path-');

/**
 * A path that SQLite cannot open as a database: in a folder that is not there (better-sqlite3's own TypeError), a
 * folder itself, or a file that is no database (the witness's key file given by mistake). The file store refuses a
 * folder that is not there as ERR_CONFIG; this one threw the driver's error, and kept the file it had opened.
 */
it.each([
  ['in a folder that is not there', () => join(dir(), 'missing', 'witness.db')],
  ['that is a folder', () => dir()],
  ['of a file that is no database', () => join(dir(), 'not-a-database.txt')],
])('witnessSqliteStore of a path %s is refused with ERR_CONFIG naming path', async (_what, pathOf) => {
  await writeFile(join(dir(), 'not-a-database.txt'), `${'this file holds text, not a SQLite database. '.repeat(4)}\n`);
  await expect(witnessSqliteStore(pathOf())).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'path' });
});
