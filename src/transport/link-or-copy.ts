import { constants, copyFile, link } from 'node:fs/promises';

/**
 * `link(from, to)`: the exclusive, all-or-nothing way to put a written file in place (it fails with
 * EEXIST if `to` exists). Where the filesystem has no hard links (FAT, some network mounts and
 * container volumes), an exclusive copy: `to` may be seen part-written for a moment, or cut by a
 * crash, but the server or witness still starts instead of refusing to.
 */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    await copyFile(from, to, constants.COPYFILE_EXCL);
  }
}

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);
