/**
 * The file store's `witness.lock`: one process per data folder, the holder's
 * PID inside (and a tag its owner reads: file-store.ts writes the host and
 * the process's start). Two rules make it safe between processes with no lock
 * call Node offers:
 *
 * - A lock file is never seen empty: its content is written to a file of its
 *   own first, then linked into place (`link` fails if the name exists, so it
 *   is also the exclusive create). A reader that found it empty would take it
 *   for a crashed holder's and take it over.
 * - A dead holder's lock is taken over by one process only. Reading the PID and
 *   replacing the file are two steps; between them another process may have
 *   taken it over already, and replacing that one's lock would give the folder
 *   two owners. So the taker of a lock file first creates, exclusively, a
 *   marker named by that file's inode, then checks under it that the lock is
 *   still that file, still of a dead process, and only then renames its own
 *   file over it (so the lock is never missing either). A taker that crashed
 *   holding a marker leaves it: the next taker goes on to a marker of the next
 *   generation, only past a marker whose holder is dead, so at most one live
 *   taker holds a marker of one lock file at a time.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { linkOrCopy } from '../transport/link-or-copy.js';
import { AegisLogError } from '../protocol/index.js';

export interface LockOwner {
  /** Written into the lock. */
  pid: number;
  /** Written after the PID when given: what else tells this process from another with the same PID (no spaces). */
  tag?: string;
  /**
   * Whether a lock (or marker) naming `pid` (and `tag`, absent in a lock of a version before tags) was left by a
   * process that is gone (one that names none is refused before).
   */
  isStale(pid: number, tag: string | undefined): boolean;
}

/** Test seam: called after a lock was judged stale, before anything is done about it. */
export interface LockHooks {
  stale?(): Promise<void>;
}

/** Tries to take a lock, looking again after each lock found gone or taken over meanwhile; bounded. */
const ATTEMPTS = 8;
/** Takers of one lock file that crashed in turn, holding their markers, before a person must look. */
const GENERATIONS = 16;

export async function takeFileLock(path: string, owner: LockOwner, hooks: LockHooks = {}): Promise<void> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createExclusive(path, owner)) return;
    const found = await readLock(path);
    if (!found) continue; // released meanwhile
    if (Number.isNaN(found.pid)) throw unreadable(path);
    if (!owner.isStale(found.pid, found.tag)) throw lockHeld(path, found.pid, found.tag);
    await hooks.stale?.();
    if (await takeOver(path, found.ino, owner)) return;
  }
  throw new AegisLogError('ERR_CONFIG', `cannot take ${path}: it keeps changing hands`, { field: 'data' });
}

/**
 * A lock or marker naming no process is never taken for a dead holder's: where hard links fail, it is
 * copied into place and may be seen empty while a live process writes it, and two takers of one lock
 * would give the folder two witnesses (which could cosign a rollback). A person must look.
 */
function unreadable(path: string): AegisLogError {
  return new AegisLogError('ERR_CONFIG', `${path} names no process (empty or damaged): if no witness runs on this folder, remove it`, { field: 'data' });
}

export function lockHeld(path: string, pid: number, tag?: string): AegisLogError {
  return new AegisLogError('ERR_CONFIG', `${path} is held by process ${pid}${tag ? ` (${tag})` : ''}: one witness per data folder`, { field: 'data' });
}

/** Takes over the stale lock file `ino`; false when it is no longer that file, or no longer stale. */
async function takeOver(path: string, ino: number, owner: LockOwner): Promise<boolean> {
  const marker = (n: number) => `${path}.takeover-${ino}-${n}`;
  for (let n = 0; n < GENERATIONS; n++) {
    if (!(await createExclusive(marker(n), owner))) {
      const holder = await readLock(marker(n));
      if (!holder) return false; // its taker finished: look at the lock again
      if (Number.isNaN(holder.pid)) throw unreadable(marker(n));
      if (!owner.isStale(holder.pid, holder.tag)) throw lockHeld(path, holder.pid, holder.tag); // being taken over by a live process
      continue; // its taker died holding it
    }
    try {
      const now = await readLock(path);
      if (!now || now.ino !== ino || !owner.isStale(now.pid, now.tag)) return false;
      await replace(path, owner);
      const mine = await readLock(path);
      if (mine?.pid !== owner.pid || mine.tag !== owner.tag) throw new AegisLogError('ERR_CONFIG', `${path} changed while it was taken over`, { field: 'data' });
      return true;
    } finally {
      // The markers of dead takers of this file too: it is no longer the lock, nobody needs them.
      for (let k = n; k >= 0; k--) await rm(marker(k), { force: true });
    }
  }
  throw new AegisLogError('ERR_CONFIG', `${path}: ${GENERATIONS} takeovers died in turn; remove ${path}.takeover-* and ${path} once no witness runs`, { field: 'data' });
}

/** Writes the owner's PID (and tag) to a file of its own, synced: what is linked or renamed into place is whole. */
async function written(path: string, { pid, tag }: LockOwner): Promise<string> {
  const tmp = `${path}.${pid}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(tmp, 'wx', 0o600);
  try {
    await file.writeFile(tag === undefined ? `${pid}\n` : `${pid} ${tag}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  return tmp;
}

/** Creates `path` naming `owner` if no file has that name; false if one has. */
async function createExclusive(path: string, owner: LockOwner): Promise<boolean> {
  const tmp = await written(path, owner);
  try {
    await linkOrCopy(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Replaces `path` by a file naming `owner`, in one step. */
async function replace(path: string, owner: LockOwner): Promise<void> {
  const tmp = await written(path, owner);
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** The file at `path` now, its inode, PID and tag read through one handle; undefined if there is none. */
async function readLock(path: string): Promise<{ ino: number; pid: number; tag?: string } | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { ino } = await handle.stat();
    const named = /^([1-9][0-9]*)(?: ([^\s]+))?$/.exec((await handle.readFile('utf8')).trim());
    return named ? { ino, pid: Number(named[1]), ...(named[2] ? { tag: named[2] } : {}) } : { ino, pid: Number.NaN };
  } finally {
    await handle.close();
  }
}
