import { constants, copyFile, link, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `content` to `path` (mode 0600) all or nothing: to a temp file in the same folder, synced,
 * then linked to `path`, which fails with EEXIST if `path` exists (the exclusive create that `wx`
 * gave), or with `replace` renamed over it. A crash leaves at most a temp file beside it, never an
 * empty or cut `path`: creating `path` first and writing it after left an empty key file that
 * every later start refused.
 */
export async function writeFileAtomically(path: string, content: string, options: { replace?: boolean } = {}): Promise<void> {
  const temp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await writeFile(temp, content, { mode: 0o600, flag: 'wx' });
    const handle = await open(temp, 'r+');
    try {
      await handle.chmod(0o600); // the umask may have narrowed it, never widened: make it exact
      await handle.sync();
    } finally {
      await handle.close();
    }
    await (options.replace ? rename(temp, path) : linkOrCopy(temp, path));
  } finally {
    await rm(temp, { force: true });
  }
  await syncFolder(dirname(path));
}

/**
 * `link`, or where the filesystem has no hard links (some network and FAT mounts, some container
 * volumes), an exclusive copy: not atomic against a crash, as creating and writing was, but never
 * a refusal to start.
 */
async function linkOrCopy(temp: string, path: string): Promise<void> {
  try {
    await link(temp, path);
  } catch (error) {
    if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    await copyFile(temp, path, constants.COPYFILE_EXCL);
  }
}

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/** Makes the new name durable too; a folder cannot be opened for sync on Windows, where this is skipped. */
async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
