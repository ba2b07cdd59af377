import Database from 'better-sqlite3';
import type { DurableStorageLike } from '../../src/server/index.js';

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
