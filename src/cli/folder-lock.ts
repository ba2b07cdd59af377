import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The lock file in a data folder, and beside it the holder's pid (for the message only). */
export const LOCK_FILE = 'aegislog.lock';
const PID_FILE = 'aegislog.pid';

export interface FolderLock {
  /** Lets the folder go (also happens when the process dies, however it dies). */
  release(): void;
}

/** Another live process holds the folder. */
export class FolderInUseError extends Error {
  override name = 'FolderInUseError';
}

/**
 * Holds a data folder for this process, so that a second server on it (which
 * would corrupt the evidence: two sequencers, two sealers) refuses to start.
 *
 * The lock is SQLite's own: a tiny database in `exclusive` locking mode whose
 * first write takes a POSIX record lock and keeps it while the connection is
 * open. The kernel drops that lock when the process ends, by `kill -9` or a
 * crash too, so a lock never outlives its holder and needs no clean-up. It
 * works across PID namespaces (containers sharing a volume) and never mistakes
 * a recycled PID for a live holder: the weak points of a pid file checked with
 * `kill(pid, 0)`. Node has no flock(), and better-sqlite3 is the dev server's
 * store already.
 */
export async function lockFolder(dir: string): Promise<FolderLock> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(dir, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL); DELETE FROM holder');
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    throw new FolderInUseError(`the data folder ${resolve(dir)} is in use by another running server${holderOf(dir)}; stop it first, or choose another --data`);
  }
  writeFileSync(join(dir, PID_FILE), `${process.pid}\n`);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      rmSync(join(dir, PID_FILE), { force: true });
      db.close();
    },
  };
}

function holderOf(dir: string): string {
  try {
    const pid = Number(readFileSync(join(dir, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? ` (pid ${pid})` : '';
  } catch {
    return '';
  }
}
