/**
 * witnessFileStore(process.env.WITNESS_DIR) with the variable unset threw Node's own TypeError (ERR_INVALID_ARG_TYPE,
 * from realpath), where witnessSqliteStore refuses a missing path as ERR_CONFIG naming it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { witnessFileStore } from '../../src/witness/node.js';

it.each([[undefined], [null], [''], [42]])('witnessFileStore(%j) is refused with ERR_CONFIG naming dir', async (dir) => {
  await expect(witnessFileStore(dir as never)).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'dir' });
});

it('a folder that is not there is refused with ERR_CONFIG naming dir, and not made: a witness with no memory could cosign a rollback', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'aegislog-witness-dir-'));
  try {
    const missing = join(parent, 'witnes'); // a typo of the folder the witness has used
    await expect(witnessFileStore(missing)).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'dir', message: expect.stringContaining(missing) });
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});
