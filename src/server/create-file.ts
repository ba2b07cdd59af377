import { open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { linkOrCopy } from '../transport/link-or-copy.js';

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
