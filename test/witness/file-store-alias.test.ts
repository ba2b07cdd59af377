// One file store per folder in a process, however the folder is named: through a symbolic link the
// lock (naming this process) used to look like a crashed run's with the same PID and was taken over,
// so two stores shared one folder, each with its own view of what was cosigned: the second, read
// before the first cosigned a larger tree, would cosign a rollback.
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { witnessFileStore } from '../../src/witness/node.js';
import { tempDir } from './store-factories.js';

const dir = tempDir('aegislog-file-alias-');

describe('file store', () => {
  it('refuses a second store on the folder through another name of it, until the first closes', async () => {
    const real = join(dir(), 'real');
    const alias = join(dir(), 'alias');
    await mkdir(real);
    await symlink(real, alias);
    const first = await witnessFileStore(real);
    await expect(witnessFileStore(alias)).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'data' });
    await expect(witnessFileStore(`${real}/./`)).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'data' });
    await first.close?.();
    const second = await witnessFileStore(alias);
    await expect(witnessFileStore(real)).rejects.toMatchObject({ code: 'ERR_CONFIG', field: 'data' });
    await second.close?.();
  });
});
