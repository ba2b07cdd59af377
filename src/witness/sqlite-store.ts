/**
 * Witness state in SQLite (better-sqlite3, Node). An update is one IMMEDIATE
 * transaction: the read, the decision and the write hold SQLite's write lock,
 * so the check and the write are atomic even across processes sharing the file.
 * A lock held by another connection is waited for on timers (up to 5 s), never
 * with the event loop stopped.
 */
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { AegisLogError } from '../protocol/index.js';
import { whileLocked } from '../transport/sqlite-lock.js';
import { cannotOpen, openError } from '../transport/sqlite-open.js';
import { MAX_REFUSALS_KEPT, MAX_REFUSALS_PER_ORIGIN, refusalIdentity, type CosignedCheckpoint, type Refusal, type WitnessStore } from './store.js';

export interface WitnessSqliteOptions {
  /** `full` (default): fsynced before the witness answers (tlog-witness: persist before responding). `normal`: survives a crash of the process, maybe not of the machine. */
  synchronous?: 'full' | 'normal';
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS witness_latest (
  origin TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  root BLOB NOT NULL,
  note TEXT NOT NULL,
  time INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS witness_refusals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  origin TEXT NOT NULL,
  kind TEXT NOT NULL,
  status INTEGER NOT NULL,
  reason TEXT NOT NULL,
  request TEXT NOT NULL,
  cosigned_size INTEGER NOT NULL,
  cosigned_root BLOB NOT NULL,
  cosigned_note TEXT NOT NULL,
  time INTEGER NOT NULL,
  identity TEXT
);
CREATE INDEX IF NOT EXISTS witness_refusals_origin ON witness_refusals (origin, id);
CREATE INDEX IF NOT EXISTS witness_refusals_kind ON witness_refusals (origin, kind);
`;

const unlocked = <T>(attempt: () => T) => whileLocked(attempt, 'witness database');

type LatestRow = { origin: string; size: number; root: Uint8Array; note: string; time: number };
type RefusalRow = {
  origin: string; kind: Refusal['kind']; status: number; reason: string; request: string;
  cosigned_size: number; cosigned_root: Uint8Array; cosigned_note: string; time: number;
};

export async function witnessSqliteStore(path: string, options: WitnessSqliteOptions = {}): Promise<WitnessStore> {
  // better-sqlite3 takes no name (or an empty one) for a temporary database, deleted on close: a witness that
  // forgets what it cosigned at each restart would cosign a rollback.
  if (typeof path !== 'string' || path === '') throw new AegisLogError('ERR_CONFIG', 'path must be the witness database file\'s path', { field: 'path' });
  // As the log server's sqliteStore: a misspelt value ('Normal') was taken as FULL without a word.
  const { synchronous } = options;
  if (synchronous !== undefined && synchronous !== 'full' && synchronous !== 'normal') {
    throw new AegisLogError('ERR_CONFIG', 'synchronous must be "full" or "normal"', { field: 'synchronous' });
  }
  const { default: Database } = await import('better-sqlite3');
  let db: SqliteDatabase;
  try {
    db = new Database(path);
  } catch (error) {
    throw cannotOpen('witness database', path, error); // better-sqlite3's TypeError for a folder that is not there, SQLITE_CANTOPEN
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    addIdentities(db);
  } catch (error) {
    db.close();
    throw openError('witness database', path, error);
  }
  // From here a lock held by another connection is waited for on timers (whileLocked), not in SQLite's
  // synchronous busy handler, which would stop every request of the process for up to 5 s.
  db.pragma('busy_timeout = 0');
  const read = db.prepare('SELECT origin, size, root, note, time FROM witness_latest WHERE origin = ?');
  const write = db.prepare(
    'INSERT INTO witness_latest (origin, size, root, note, time) VALUES (@origin, @size, @root, @note, @time) ' +
      'ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note, time = excluded.time',
  );
  // Bounded per origin and kind, each refusalIdentity once (store.ts). Not a UNIQUE index: a database of an older version may hold duplicates.
  const count = db.prepare('SELECT count(*) FROM witness_refusals WHERE origin = ? AND kind = ?').pluck();
  const kept = db.prepare('SELECT 1 FROM witness_refusals WHERE origin = ? AND identity = ? LIMIT 1').pluck();
  const keep = db.prepare(
    'INSERT INTO witness_refusals (origin, kind, status, reason, request, cosigned_size, cosigned_root, cosigned_note, time, identity) ' +
      'VALUES (@origin, @kind, @status, @reason, @request, @cosigned_size, @cosigned_root, @cosigned_note, @time, @identity)',
  );
  const list = db.prepare('SELECT * FROM witness_refusals WHERE origin = ? ORDER BY id LIMIT ? OFFSET ?');
  const toRecord = (row: LatestRow | undefined): CosignedCheckpoint | undefined =>
    row && { origin: row.origin, size: row.size, root: new Uint8Array(row.root), note: row.note, time: row.time };
  // Checked in each try: a call waiting for a lock may find the store closed meanwhile (as the file store refuses it).
  let closed = false;
  const ifOpen = <T>(attempt: () => T) => () => {
    if (closed) throw new AegisLogError('ERR_CLOSED', 'the witness store is closed');
    return attempt();
  };

  return {
    async latest(origin) {
      return unlocked(ifOpen(() => toRecord(read.get(origin) as LatestRow | undefined)));
    },
    async update(origin, decide) {
      const run = db.transaction(() => {
        const decision = decide(toRecord(read.get(origin) as LatestRow | undefined));
        if (decision.write) write.run({ ...decision.write, root: decision.write.root });
        const r = decision.refusal;
        if (r && (count.get(origin, r.kind) as number) < MAX_REFUSALS_PER_ORIGIN && kept.get(origin, refusalIdentity(r)) === undefined) {
          keep.run({
            origin: r.origin, kind: r.kind, status: r.status, reason: r.reason, request: r.request,
            cosigned_size: r.cosigned.size, cosigned_root: r.cosigned.root, cosigned_note: r.cosigned.note, time: r.time,
            identity: refusalIdentity(r),
          });
        }
        return decision.result;
      });
      return unlocked(ifOpen(() => run.immediate())); // a try that failed wrote nothing, and decide is pure: it runs again
    },
    async refusals(origin, limit = MAX_REFUSALS_KEPT, after = 0) {
      return (await unlocked(ifOpen(() => list.all(origin, limit, after) as RefusalRow[]))).map((row) => ({
        origin: row.origin, kind: row.kind, status: row.status, reason: row.reason, request: row.request, time: row.time,
        cosigned: { size: row.cosigned_size, root: new Uint8Array(row.cosigned_root), note: row.cosigned_note },
      }));
    },
    async close() {
      closed = true;
      db.close();
    },
  };
}

/**
 * The `identity` column (refusalIdentity, by which a refusal is kept once) was
 * added later: a database of an older version gets it, filled in for the rows
 * it has, in one transaction (another process may be opening it too).
 */
function addIdentities(db: SqliteDatabase): void {
  db.transaction(() => {
    const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('witness_refusals') as string[];
    if (!columns.includes('identity')) db.exec('ALTER TABLE witness_refusals ADD COLUMN identity TEXT');
    const set = db.prepare('UPDATE witness_refusals SET identity = ? WHERE id = ?');
    for (const row of db.prepare('SELECT id, kind, status, request FROM witness_refusals WHERE identity IS NULL').all() as { id: number; kind: Refusal['kind']; status: number; request: string }[]) {
      set.run(refusalIdentity({ kind: row.kind, status: row.status, request: row.request } as Refusal), row.id);
    }
  }).immediate();
  db.exec('CREATE INDEX IF NOT EXISTS witness_refusals_identity ON witness_refusals (origin, identity)');
}
