import { join } from 'node:path';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import { sqliteStore } from '../../src/server/sqlite-store.js';
import { sqliteWriter } from '../../src/server/sqlite-writer.js';
import type { Store } from '../../src/server/types.js';
import { tempDir, withSqliteFile } from './helpers.js';
import { entry } from './store-conformance.js';

const driver = createRequire(import.meta.url).resolve('better-sqlite3');
const T = Date.UTC(2026, 11, 1);
const append = (store: Store, ids: string[]) => store.append({ tenantId: 'acme', entries: ids.map((id) => entry('acme', id)), now: T, keyId: 'k1', sha256 });

/** A file with one table `t (k PRIMARY KEY, v)`, removed after `body`. */
async function withTable(body: (path: string, read: () => unknown[]) => Promise<void>) {
  const temp = await tempDir();
  const path = join(temp.dir, 'w.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)');
  try {
    await body(path, () => db.prepare('SELECT k, v FROM t ORDER BY k').all());
  } finally {
    db.close();
    await temp.remove();
  }
}

test('a commit on the writer thread is all or nothing, and the next one runs after a failed one', () =>
  withTable(async (path, read) => {
    const writer = sqliteWriter(path, ['INSERT INTO t (k, v) VALUES (?, ?)'], ['synchronous = FULL'], driver);
    try {
      // A view of a larger buffer travels as its own bytes.
      const pooled = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
      await writer.commit([[0, [1, pooled]], [0, [2, new Uint8Array([4])]]]);
      const failing = writer.commit([[0, [3, new Uint8Array([5])]], [0, [1, new Uint8Array([6])]]]);
      await expect(failing).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
      await writer.commit([[0, [4, new Uint8Array([7])]]]);
      expect(read()).toEqual([
        { k: 1, v: Buffer.from([1, 2, 3]) },
        { k: 2, v: Buffer.from([4]) },
        { k: 4, v: Buffer.from([7]) },
      ]);
      expect(writer.live).toBe(true);
    } finally {
      await writer.close();
    }
  }));

test('a writer thread that cannot start fails the commit it owed, and says it is no longer live', () =>
  withTable(async (path, read) => {
    const writer = sqliteWriter(path, ['INSERT INTO t (k, v) VALUES (?, ?)'], [], join(path, '..', 'no-such-driver.js'));
    try {
      await expect(writer.commit([[0, [1, new Uint8Array([1])]]])).rejects.toThrow();
      expect(writer.live).toBe(false);
      await expect(writer.commit([[0, [1, new Uint8Array([1])]]])).rejects.toThrow(/failed/);
      expect(read()).toEqual([]);
    } finally {
      await writer.close();
    }
  }));

/** How many turns of the event loop pass before `work` settles: none when it settles in the turn that starts it. */
async function turnsWhile(work: Promise<unknown>): Promise<number> {
  let settled = false;
  let turns = 0;
  const counted = new Promise<void>((done) => {
    const turn = () =>
      setImmediate(() => {
        if (settled || turns >= 100_000) return done();
        turns++;
        turn();
      });
    turn();
  });
  await work.finally(() => (settled = true));
  await counted;
  return turns;
}

for (const writer of [false, true]) {
  test(`sqliteStore({ writer: ${writer} }): a group commit runs ${writer ? 'on a thread, while the event loop turns' : 'on the event loop'}`, () =>
    withSqliteFile({ writer }, async (store) => {
      await append(store, ['warm']);
      const ids = Array.from({ length: 200 }, (_, i) => `e${i}`);
      expect((await turnsWhile(append(store, ids))) > 0).toBe(writer);
      // A batch of duplicates writes nothing: it is answered without a round trip to the thread.
      expect(await turnsWhile(append(store, ids.slice(0, 50)))).toBe(0);
      // What the thread committed is what the store reads next, and the next commit is planned on it.
      expect((await store.getRecord('acme', 'e199'))!.leafIndex).toBe(200);
      const again = await append(store, ['e5', 'new']);
      expect(again.map((o) => (o.stored ? o.record.leafIndex : `dup ${o.existing.leafIndex}`))).toEqual(['dup 6', 201]);
    }));
}

test('sqliteStore({ writer: true }): writes on the store connection wait for the commit in flight, and close() keeps what was queued', async () => {
  const temp = await tempDir();
  const path = join(temp.dir, 'store.db');
  const store = await sqliteStore(path, { writer: true });
  const jwk = { kty: 'EC' as const, crv: 'P-256' as const, x: 'x', y: 'y', kid: 'k1' };
  const appending = append(store, Array.from({ length: 300 }, (_, i) => `a${i}`));
  await new Promise<void>((r) => setImmediate(r)); // the commit is on the thread now
  const order: string[] = [];
  await Promise.all([appending.then(() => order.push('append')), store.putKey(jwk).then(() => order.push('key')), store.putWitnessSize('w1', 300)]);
  expect(order).toEqual(['append', 'key']); // the key waited for the commit in flight
  const signing = store.putSignatures([{ tenantId: 'acme', eventId: 'a0', leafIndex: 0, signature_b64url: 'sig-a0' }]);
  const last = append(store, ['last']);
  await store.close();
  await Promise.all([signing, last]);
  const reopened = await sqliteStore(path);
  try {
    expect(await reopened.keys()).toEqual([jwk]);
    expect(await reopened.witnessSizes()).toEqual({ w1: 300 });
    expect((await reopened.getRecord('acme', 'a0'))!.signature_b64url).toBe('sig-a0');
    expect((await reopened.getRecord('acme', 'last'))!.leafIndex).toBe(300);
  } finally {
    await reopened.close();
    await temp.remove();
  }
});
