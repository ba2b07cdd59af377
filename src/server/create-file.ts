import { lstat, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { linkOrCopy } from '../transport/link-or-copy.js';

/**
 * Writes `content` to `path` (`mode`, default 0600) all or nothing: to a temp file in the same folder, synced,
 * then linked to `path`, which fails with EEXIST if `path` exists (the exclusive create that `wx`
 * gave), or with `replace` renamed over it. A crash leaves at most a temp file beside it (which a
 * later write of `path` removes: removeStaleTemps), never an empty or cut `path`: creating `path`
 * first and writing it after left an empty key file that every later start refused. Except where
 * the filesystem has no hard links: there a new `path` is an exclusive copy (link-or-copy.ts), which
 * a crash can cut.
 */
export async function writeFileAtomically(path: string, content: string, options: { replace?: boolean; mode?: number } = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  await removeStaleTemps(path);
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

/** A temp file this old is no write in progress (one takes milliseconds) but what a crash left. */
const STALE_TEMP_MS = 60_000;

/**
 * Removes the temp files of `path` that a crash left (a copy of a secret key, or a second name
 * of the key file when the crash came between the link and the removal). Every start that loads a
 * key tries to create it first, so each start sweeps. Only old ones: a younger one may be another
 * process's write in progress, which removing would fail.
 */
async function removeStaleTemps(path: string): Promise<void> {
  const now = Date.now();
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  for (const name of await readdir(dir).catch(() => [])) {
    if (!name.startsWith(prefix) || !TEMP_SUFFIX.test(name.slice(prefix.length))) continue;
    const temp = join(dir, name);
    const stats = await lstat(temp).catch(() => undefined);
    // Best effort: a leftover that cannot be removed must not stop the start that found it.
    if (stats?.isFile() && now - stats.mtimeMs > STALE_TEMP_MS) await rm(temp, { force: true }).catch(() => undefined);
  }
}

/** What follows `path.` in a temp file's name: the random UUID writeFileAtomically gives it. */
const TEMP_SUFFIX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

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
