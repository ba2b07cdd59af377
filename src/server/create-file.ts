import { open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { linkOrCopy } from '../transport/link-or-copy.js';

/**
 * Writes `content` to `path` (`mode`, default 0600) all or nothing: to a temp file in the same folder, synced,
 * then linked to `path`, which fails with EEXIST if `path` exists (the exclusive create that `wx`
 * gave), or with `replace` renamed over it. A crash leaves at most a temp file beside it, never an
 * empty or cut `path`: creating `path` first and writing it after left an empty key file that
 * every later start refused. Except where the filesystem has no hard links: there a new `path` is
 * an exclusive copy (link-or-copy.ts), which a crash can cut.
 */
export async function writeFileAtomically(path: string, content: string, options: { replace?: boolean; mode?: number } = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  const temp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await writeFile(temp, content, { mode, flag: 'wx' });
    const handle = await open(temp, 'r+');
    try {
      // A secret's mode is made exact (the umask may have narrowed it, never widened); a public file's keeps the umask's say.
      if ((mode & 0o077) === 0) await handle.chmod(mode);
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
