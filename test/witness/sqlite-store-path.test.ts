/**
 * witnessSqliteStore(process.env.WITNESS_DB) with the variable unset opened a temporary database (better-sqlite3
 * takes no file name, or an empty one, for an anonymous database deleted on close): the witness forgot every
 * checkpoint it cosigned at each restart, and would then cosign a rollback or a fork of a log it had witnessed.
 */
import { expect, it } from 'vitest';
import { witnessSqliteStore } from '../../src/witness/node.js';

it.each([[undefined], [null], [''], [42]])('witnessSqliteStore(%j) is refused with ERR_CONFIG naming path, opening nothing', async (path) => {
  await expect(witnessSqliteStore(path as never)).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'path' });
});
