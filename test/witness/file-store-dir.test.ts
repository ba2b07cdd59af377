/**
 * witnessFileStore(process.env.WITNESS_DIR) with the variable unset threw Node's own TypeError (ERR_INVALID_ARG_TYPE,
 * from realpath), where witnessSqliteStore refuses a missing path as ERR_CONFIG naming it.
 */
import { expect, it } from 'vitest';
import { witnessFileStore } from '../../src/witness/node.js';

it.each([[undefined], [null], [''], [42]])('witnessFileStore(%j) is refused with ERR_CONFIG naming dir', async (dir) => {
  await expect(witnessFileStore(dir as never)).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'dir' });
});
