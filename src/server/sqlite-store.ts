import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { CheckpointV1, EcPublicJwk, Receipt, TenantHeadV1, WireEvent } from '../protocol/index.js';
import { checkpointOrderError } from './store-rules.js';
import type { PutOutcome, Store, StoredRecord } from './types.js';

export interface SqliteStoreOptions {
  /**
   * `full` (default): every commit is fsynced before a receipt goes out, so a
   * receipt survives power loss. `normal`: WAL commits survive a crash of the
   * process (kill -9) but the last ones may be lost on power loss.
   */
  synchronous?: 'full' | 'normal';
  /**
   * Called before each write of a seal, inside its transaction. For crash tests
   * only: a hook that kills the process shows that a seal is all or nothing.
   */
  beforeSealWrite?: (step: 'checkpoint' | 'head', index: number) => void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  tenant_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  received_at TEXT NOT NULL,
  event_json TEXT NOT NULL,
  receipt_json TEXT NOT NULL,
  receipt_hash BLOB NOT NULL,
  UNIQUE (tenant_id, event_id)
);
CREATE INDEX IF NOT EXISTS events_leaf_order ON events (tenant_id, received_at, event_id);
CREATE INDEX IF NOT EXISTS events_time ON events (received_at);
CREATE TABLE IF NOT EXISTS checkpoints (
  period_start TEXT PRIMARY KEY,
  period_end TEXT NOT NULL UNIQUE,
  checkpoint_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tenant_heads (
  period_start TEXT NOT NULL,
  position INTEGER NOT NULL,
  head_json TEXT NOT NULL,
  PRIMARY KEY (period_start, position)
);
CREATE TABLE IF NOT EXISTS signing_keys (kid TEXT PRIMARY KEY, jwk_json TEXT NOT NULL);
`;

type Row = { event_json: string; receipt_json: string; receipt_hash: Uint8Array };

/**
 * SQLite through better-sqlite3 (Node only; WAL). Concurrent `putRecords`
 * calls that arrive in the same turn of the event loop share one transaction
 * (group commit), and each call resolves only after that commit.
 */
export async function sqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<Store> {
  const { default: Database } = await import('better-sqlite3');
  const db: SqliteDatabase = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536'); // 64 MiB: the (tenant_id, event_id) index takes random inserts
  db.exec(SCHEMA);

  const insert = db.prepare(
    'INSERT INTO events (tenant_id, event_id, received_at, event_json, receipt_json, receipt_hash) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const byId = db.prepare('SELECT event_json, receipt_json, receipt_hash FROM events WHERE tenant_id = ? AND event_id = ?');
  const leafHashes = db
    .prepare('SELECT receipt_hash FROM events WHERE tenant_id = ? AND received_at >= ? AND received_at < ? ORDER BY received_at, event_id')
    .pluck();
  const pageAfter = db.prepare(
    `SELECT event_json, receipt_json, receipt_hash FROM events WHERE tenant_id = ? AND received_at >= ? AND received_at < ?
     AND (received_at, event_id) > (?, ?) ORDER BY received_at, event_id LIMIT ?`,
  );
  // BINARY collation compares UTF-8 bytes: the global tree's order (§4).
  const tenants = db.prepare('SELECT DISTINCT tenant_id FROM events WHERE received_at >= ? AND received_at < ? ORDER BY tenant_id').pluck();
  const earliest = db.prepare('SELECT min(received_at) FROM events WHERE received_at >= ?').pluck();
  const latest = db.prepare('SELECT checkpoint_json FROM checkpoints ORDER BY period_start DESC LIMIT 1').pluck();
  const atTime = db.prepare('SELECT checkpoint_json FROM checkpoints WHERE period_start <= ? AND period_end > ?').pluck();
  const range = db
    .prepare('SELECT checkpoint_json FROM checkpoints WHERE period_end > ? AND period_start < ? ORDER BY period_start LIMIT ?')
    .pluck();
  const insertCheckpoint = db.prepare('INSERT INTO checkpoints (period_start, period_end, checkpoint_json) VALUES (?, ?, ?)');
  const insertHead = db.prepare('INSERT INTO tenant_heads (period_start, position, head_json) VALUES (?, ?, ?)');
  const headsOf = db.prepare('SELECT head_json FROM tenant_heads WHERE period_start = ? ORDER BY position').pluck();
  const insertKey = db.prepare('INSERT INTO signing_keys (kid, jwk_json) VALUES (?, ?) ON CONFLICT DO NOTHING');
  const allKeys = db.prepare('SELECT jwk_json FROM signing_keys ORDER BY rowid').pluck();

  const toRecord = (row: Row): StoredRecord => ({
    event: JSON.parse(row.event_json) as WireEvent,
    eventJson: row.event_json,
    receipt: JSON.parse(row.receipt_json) as Receipt,
    receiptHash: new Uint8Array(row.receipt_hash),
  });

  const insertAll = db.transaction((batches: (readonly StoredRecord[])[]) =>
    batches.map((batch) =>
      batch.map((record): PutOutcome => {
        const r = record.receipt;
        const info = insert.run(r.tenant_id, r.event_id, r.received_at, record.eventJson, JSON.stringify(r), record.receiptHash);
        if (info.changes === 1) return { stored: true };
        return { stored: false, existing: toRecord(byId.get(r.tenant_id, r.event_id) as Row) };
      }),
    ),
  );

  type Job = { batch: readonly StoredRecord[]; resolve: (o: PutOutcome[]) => void; reject: (e: unknown) => void };
  let queue: Job[] = [];
  const flush = () => {
    const jobs = queue;
    queue = [];
    if (jobs.length === 0) return;
    try {
      const outcomes = insertAll(jobs.map((j) => j.batch));
      jobs.forEach((job, i) => job.resolve(outcomes[i]!));
    } catch (error) {
      for (const job of jobs) job.reject(error);
    }
  };

  const sealWrite = db.transaction((checkpoint: CheckpointV1, heads: readonly TenantHeadV1[]) => {
    const previous = latest.get() as string | undefined;
    const problem = checkpointOrderError(previous === undefined ? undefined : (JSON.parse(previous) as CheckpointV1), checkpoint);
    if (problem) throw problem;
    options.beforeSealWrite?.('checkpoint', 0);
    insertCheckpoint.run(checkpoint.period_start, checkpoint.period_end, JSON.stringify(checkpoint));
    heads.forEach((head, i) => {
      options.beforeSealWrite?.('head', i);
      insertHead.run(checkpoint.period_start, i, JSON.stringify(head));
    });
  });
  const parsed = <T>(json: unknown): T | undefined => (typeof json === 'string' ? (JSON.parse(json) as T) : undefined);

  return {
    putRecords(batch) {
      return new Promise((resolve, reject) => {
        if (queue.length === 0) setImmediate(flush);
        queue.push({ batch, resolve, reject });
      });
    },
    async getRecord(tenantId, eventId) {
      const row = byId.get(tenantId, eventId) as Row | undefined;
      return row && toRecord(row);
    },
    async leaves(tenantId, start, end) {
      return (leafHashes.all(tenantId, start, end) as Uint8Array[]).map((b) => new Uint8Array(b));
    },
    async page(tenantId, start, end, after, limit) {
      const rows = pageAfter.all(tenantId, start, end, after?.received_at ?? '', after?.event_id ?? '', limit) as Row[];
      return rows.map(toRecord);
    },
    async tenantsIn(start, end) {
      return tenants.all(start, end) as string[];
    },
    async earliestReceipt(from) {
      return (earliest.get(from) as string | null) ?? undefined;
    },
    async putCheckpoint(checkpoint, heads) {
      sealWrite(checkpoint, heads);
    },
    async latestCheckpoint() {
      return parsed<CheckpointV1>(latest.get());
    },
    async checkpointAt(time) {
      return parsed<CheckpointV1>(atTime.get(time, time));
    },
    async checkpoints(from, to, limit) {
      return (range.all(from ?? '', to ?? '\uffff', limit) as string[]).map((json) => JSON.parse(json) as CheckpointV1);
    },
    async tenantHeads(periodStart) {
      return (headsOf.all(periodStart) as string[]).map((json) => JSON.parse(json) as TenantHeadV1);
    },
    async putKey(jwk) {
      insertKey.run(jwk.kid, JSON.stringify(jwk));
    },
    async keys() {
      return (allKeys.all() as string[]).map((json) => JSON.parse(json) as EcPublicJwk & { kid: string });
    },
    async close() {
      if (queue.length > 0) flush();
      if (db.open) db.close();
    },
  };
}
