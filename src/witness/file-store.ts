/**
 * Witness state in a folder, for Node without SQLite: `latest/<sha256(origin)
 * hex>.json` (an origin's cosigned checkpoint, one file per origin so that an
 * update writes only its own) replaced atomically (write, fsync, rename, fsync
 * the folder) and `refusals.ndjson` appended and fsynced (read line by line,
 * not held: file-refusals.ts). A `latest.json` of an
 * older version (every origin in one file) is still read, and never written:
 * an origin's own file, once there, wins over it. One process
 * owns the folder (`witness.lock`, file-lock.ts); within it, updates run one at a time, so
 * the check and the write are atomic.
 */
import { mkdir, open, readdir, readFile, realpath, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AegisLogError, b64Decode, b64Encode, hexEncode, sha256 } from '../protocol/index.js';
import { RefusalsFile } from './file-refusals.js';
import { lockHeld, takeFileLock } from './file-lock.js';
import type { CosignedCheckpoint, WitnessStore } from './store.js';

/**
 * The folder's real path. A folder that is not there is refused, not made: a path mistyped would start a witness
 * with no memory of what it cosigned, one that could then be led to cosign a rollback.
 */
async function realpathOf(dir: string): Promise<string> {
  try {
    return await realpath(dir);
  } catch (error) {
    throw new AegisLogError('ERR_CONFIG', `cannot open the witness data folder ${dir}: ${(error as Error).message}`, { field: 'dir', cause: error });
  }
}

type CheckpointWire = { size: number; root: string; note: string; time: number };
/** The one file of an older version: every origin's checkpoint. */
type LatestWire = Record<string, CheckpointWire>;
/** An origin's own file. */
type OriginWire = CheckpointWire & { origin: string };

const fromWire = (origin: string, r: CheckpointWire): CosignedCheckpoint => ({ origin, size: r.size, root: b64Decode(r.root), note: r.note, time: r.time });

export async function witnessFileStore(dir: string): Promise<WitnessStore> {
  // An unset setting: Node's own TypeError (or ENOENT for ''), where witnessSqliteStore names its path.
  if (typeof dir !== 'string' || dir === '') throw new AegisLogError('ERR_CONFIG', 'dir must be the witness data folder\'s path', { field: 'dir' });
  // By the folder's real path: under another name of it (a symbolic link) this process's own lock would look
  // like a crashed run's with the same PID, be taken over, and two stores would each cosign from their own view.
  const lock = join(await realpathOf(dir), 'witness.lock');
  await takeLock(lock);
  const latestDir = join(dir, 'latest');
  const originPath = (origin: string) => join(latestDir, `${hexEncode(sha256(new TextEncoder().encode(origin)))}.json`);
  let state: Awaited<ReturnType<typeof load>>;
  try {
    state = await load(dir);
  } catch (error) {
    await releaseLock(lock); // refused: once a person repaired the files, this process may open the folder again
    throw error;
  }
  const { latest, refusals } = state;

  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  /** Writes `next` to its origin's own file; the map itself is changed by the caller once this is done. */
  async function persistLatest(next: CosignedCheckpoint): Promise<void> {
    const wire: OriginWire = { origin: next.origin, size: next.size, root: b64Encode(next.root), note: next.note, time: next.time };
    const path = originPath(next.origin);
    const tmp = `${path}.tmp`;
    const file = await open(tmp, 'w', 0o600);
    try {
      await file.writeFile(`${JSON.stringify(wire)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
    await syncDir(latestDir);
  }

  // Once closed, the lock is released and another process may own the folder: nothing held here is its state then.
  const refuseClosed = () => {
    if (closed) throw new AegisLogError('ERR_CLOSED', 'the witness store is closed');
  };

  return {
    async latest(origin) {
      refuseClosed();
      return latest.get(origin);
    },
    update(origin, decide) {
      const run = queue.then(async () => {
        refuseClosed();
        const decision = decide(latest.get(origin));
        if (decision.write) {
          // Shown (to latest(), and so to monitors) only once it is on disk: a write that fails was never cosigned.
          await persistLatest({ ...decision.write, origin });
          latest.set(origin, decision.write);
        }
        const r = decision.refusal;
        if (r && (await refusals.admits(r))) await refusals.append(r);
        return decision.result;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async refusals(origin, limit, after) {
      refuseClosed();
      return refusals.page(origin, limit, after);
    },
    async close() {
      if (closed) return; // a second close must not remove a lock another store of this folder took since
      closed = true;
      await queue;
      await releaseLock(lock);
    },
  };
}

/** What the folder keeps: the latest checkpoints (an older version's latest.json and each origin's own file, the larger tree of the two) and the refusals. */
async function load(dir: string): Promise<{ latest: Map<string, CosignedCheckpoint>; refusals: RefusalsFile }> {
  const latestPath = join(dir, 'latest.json');
  const latestDir = join(dir, 'latest');
  const refusalsPath = join(dir, 'refusals.ndjson');
  const latest = new Map<string, CosignedCheckpoint>();
  try {
    const wire = JSON.parse(await readFile(latestPath, 'utf8')) as LatestWire;
    for (const [origin, r] of Object.entries(wire)) latest.set(origin, fromWire(origin, r));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw corrupt(latestPath, error);
  }
  if (await mkdir(latestDir, { recursive: true, mode: 0o700 })) await syncDir(dir); // made now: its entry in the folder made durable too
  for (const name of await readdir(latestDir)) {
    if (!name.endsWith('.json')) continue; // a .tmp left by a crash mid-write: the rename never happened
    const path = join(latestDir, name);
    try {
      const r = JSON.parse(await readFile(path, 'utf8')) as OriginWire;
      // The larger tree wins: an older version run on this folder since wrote latest.json only,
      // and going back to this file's smaller tree would let the witness cosign a rollback.
      const other = latest.get(r.origin);
      if (!other || r.size >= other.size) latest.set(r.origin, fromWire(r.origin, r));
    } catch (error) {
      throw corrupt(path, error);
    }
  }
  try {
    return { latest, refusals: await RefusalsFile.open(refusalsPath) };
  } catch (error) {
    throw corrupt(refusalsPath, error);
  }
}

/** Locks this thread holds: a second open of one folder here is refused before the lock file is read. */
const held = new Set<string>();

/**
 * The folder's lock: refused while another live process, or this one, holds it; a lock left by a dead process is
 * taken over (file-lock.ts). A PID alone does not name a process: two containers on one volume are both PID 1, and
 * a rolling deploy runs the new witness beside the old one, which would take the old one's lock for a crashed run
 * of its own and cosign beside it (a rollback, to a witness of the same name). So the lock also names the host and
 * when the process started: a lock of another host is never judged stale (its process cannot be seen from here),
 * and one with this PID is stale only if it was written by another start.
 */
async function takeLock(path: string): Promise<void> {
  if (held.has(path)) throw lockHeld(path, process.pid);
  held.add(path); // before any await: two opens in this process cannot both take it
  try {
    const me = { host: hostname(), start: await processStart() };
    await takeFileLock(path, {
      pid: process.pid,
      tag: `${me.host}:${me.start}`,
      isStale(pid, tag) {
        // A lock of a version before tags: as that version judged it.
        if (tag === undefined) return pid === process.pid || !alive(pid);
        const at = tag.lastIndexOf(':');
        if (tag.slice(0, at) !== me.host) return false;
        return pid === process.pid ? tag.slice(at + 1) !== me.start : !alive(pid);
      },
    });
  } catch (error) {
    held.delete(path);
    throw error;
  }
}

async function releaseLock(path: string): Promise<void> {
  await rm(path, { force: true });
  held.delete(path);
}

/**
 * When this process started, the same in each of its threads: on Linux the kernel's start time (clock ticks since
 * boot, /proc/self/stat), elsewhere the main thread's time origin, in ms.
 */
async function processStart(): Promise<string> {
  try {
    const stat = await readFile('/proc/self/stat', 'utf8');
    // Field 22; the name (field 2, in parentheses) may hold spaces, so count from the last ')'.
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    if (start && /^[0-9]+$/.test(start)) return `t${start}`;
  } catch {
    // not Linux
  }
  return `ms${Math.round(performance.timeOrigin)}`;
}

/** Whether process `pid` runs. file-lock.ts asks only of a positive PID read from a lock; one too large for any process makes kill() throw: gone. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems cannot fsync a directory; the rename is then as durable as they make it.
  } finally {
    await handle.close();
  }
}

function corrupt(path: string, cause: unknown): AegisLogError {
  return new AegisLogError('ERR_CONFIG', `${path} cannot be read: ${(cause as Error).message}`, { field: 'data', cause });
}
