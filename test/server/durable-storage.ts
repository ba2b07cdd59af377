import Database from 'better-sqlite3';
import { tenantLogObject } from '../../src/server/index.js';
import type { DurableStorageLike, LogObject } from '../../src/server/index.js';

/** A Durable Object's `ctx.storage` on an in-memory SQLite: BLOBs come back as ArrayBuffers, as workerd gives them. */
export function localStorage(): DurableStorageLike {
  const db = new Database(':memory:');
  return {
    sql: {
      exec(query: string, ...bindings: unknown[]) {
        if (bindings.length === 0 && query.split(';').filter((s) => s.trim()).length > 1) {
          db.exec(query);
          return { toArray: () => [] };
        }
        const statement = db.prepare(query);
        const args = bindings.map((b) => (b instanceof Uint8Array ? Buffer.from(b) : b));
        const rows = statement.reader ? (statement.all(...args) as Record<string, unknown>[]) : (statement.run(...args), []);
        const blob = (v: unknown) => (Buffer.isBuffer(v) ? new Uint8Array(v).buffer : v);
        return { toArray: () => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, blob(v)]))) };
      },
    },
    transactionSync: <T>(body: () => T): T => db.transaction(body)(),
  };
}

/** The root log's tables as the version before the armed set made them: a registry of every tenant that ever appended. */
export const ROOT_SCHEMA_BEFORE = `
CREATE TABLE tenants (tenant_id TEXT PRIMARY KEY);
CREATE TABLE tiles (level INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (level, idx));
CREATE TABLE heads (head_index INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL, period_start TEXT NOT NULL, tree_size INTEGER NOT NULL, head_json TEXT NOT NULL);
CREATE UNIQUE INDEX heads_period ON heads (tenant_id, period_start);
CREATE UNIQUE INDEX heads_size ON heads (tenant_id, tree_size);
CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, period_start TEXT NOT NULL UNIQUE, period_end TEXT NOT NULL UNIQUE, tree_size INTEGER NOT NULL, sealed_at TEXT NOT NULL, note TEXT NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE signing_keys (n INTEGER PRIMARY KEY, kid TEXT NOT NULL UNIQUE, jwk_json TEXT NOT NULL);
CREATE TABLE seal_lease (id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL, until INTEGER NOT NULL);
`;

/** Tenant log objects made at their first call, each over a local storage of its own (kept in `storages`), reaching `root`. */
export function tenantObjects(root: () => LogObject, storages = new Map<string, DurableStorageLike>()) {
  const objects = new Map<string, LogObject>();
  return {
    storages,
    objectOf(id: string): LogObject {
      if (!storages.has(id)) storages.set(id, localStorage());
      if (!objects.has(id)) objects.set(id, tenantLogObject(storages.get(id)!, root));
      return objects.get(id)!;
    },
  };
}
