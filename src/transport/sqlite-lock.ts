import { AegisLogError } from '../protocol/errors.js';

/** How long a call waits for another connection's lock before it is refused as unavailable. */
const LOCK_WAIT_MS = 5000;

/**
 * `attempt`, tried again on timers while another connection (a `sqlite3` shell, a backup tool, a second
 * process) holds a lock it needs: the caller's connection has busy_timeout 0, so that the wait is not SQLite's
 * synchronous busy handler, which stops every request of the process. A try that failed on a lock wrote
 * nothing (its transaction rolled back). Past LOCK_WAIT_MS, `ERR_STORE_UNAVAILABLE` naming `database`: a
 * server answers 503 with Retry-After, as for a PostgreSQL that is down.
 */
export async function whileLocked<T>(attempt: () => T | Promise<T>, database: string): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isLocked(error)) throw error;
      if (Date.now() >= deadline) {
        throw new AegisLogError('ERR_STORE_UNAVAILABLE', `the ${database} is locked by another connection: ${(error as Error).message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(2 ** tries, 100)));
    }
  }
}

function isLocked(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}
