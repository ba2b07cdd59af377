import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import { sqliteReaders } from '../../src/server/sqlite-readers.js';
import { sqliteStore } from '../../src/server/sqlite-store.js';
import type { Store } from '../../src/server/types.js';
import { withSqliteFile } from './helpers.js';
import { entry } from './store-conformance.js';

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

const append = (store: Store, id: string) => store.append({ tenantId: 'acme', entries: [entry('acme', id)], now: Date.UTC(2026, 11, 1), keyId: 'k1', sha256 });
/** Entries e0…e299 of tenant acme (one full level-0 tile and a partial one), 100 appends at a time. */
async function append300(store: Store): Promise<void> {
  for (let i = 0; i < 300; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => append(store, `e${i + j}`)));
}

test('reader threads see each commit of the store connection as soon as it resolves, and run statements with their parameters', () =>
  withSqliteFile({}, async (store, path) => {
    const readers = sqliteReaders(path, 2, driver);
    try {
      for (let i = 0; i < 5; i++) {
        await append(store, `e${i}`);
        const rows = await readers.get('SELECT leaf_index, event_id FROM records WHERE tenant_id = ? AND event_id = ?', [['acme', `e${i}`], ['acme', 'absent']]);
        expect(rows).toEqual([{ leaf_index: i, event_id: `e${i}` }, undefined]);
      }
      await expect(readers.get('SELECT x FROM nowhere', [[]])).rejects.toThrow(/no such table/);
    } finally {
      await readers.close();
    }
  }));

test('a thread that cannot start fails the reads it owed; then get() gives undefined and the store reads on its own connection', () =>
  withSqliteFile({}, async (_store, path) => {
    const readers = sqliteReaders(path, 1, join(path, '..', 'no-such-driver.js'));
    try {
      await expect(readers.get('SELECT 1 AS one', [[]])).rejects.toThrow();
      expect(readers.get('SELECT 1 AS one', [[]])).toBeUndefined();
    } finally {
      await readers.close();
    }
  }));

test('a read whose parameters cannot be cloned to the thread rejects, without an uncaught exception, and the thread reads on', () =>
  withSqliteFile({}, async (_store, path) => {
    const readers = sqliteReaders(path, 1, driver);
    // The batch is posted from a setImmediate: a throw there would be uncaught, and end the process outside vitest.
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const settled = (read: Promise<unknown[]>) => read.then((rows) => ({ rows }), (error: unknown) => ({ error }));
      // Two reads of one turn go in one message: a function cannot be cloned, so that message is not sent;
      // the good read is sent again alone. (The code before this test left both pending for ever.)
      const reads = [readers.get('SELECT ? AS x', [[() => 1]])!, readers.get('SELECT 1 AS one', [[]])!].map(settled);
      const outcomes = await Promise.all(reads);
      expect(uncaught).toEqual([]);
      expect(outcomes).toMatchObject([{ error: { name: 'DataCloneError' } }, { rows: [{ one: 1 }] }]);
      expect(await readers.get('SELECT 1 AS one', [[]])).toEqual([{ one: 1 }]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await readers.close();
    }
  }));

/** Whether the event loop turns (a setImmediate runs) before `read` resolves: a read on the store's own connection resolves first. */
async function loopTurnsFirst(read: () => Promise<unknown>): Promise<boolean> {
  const order: string[] = [];
  const done = read().then(() => order.push('read'));
  setImmediate(() => order.push('turn'));
  await done;
  return order[0] === 'turn';
}

for (const readers of [0, 2]) {
  test(`sqliteStore({ readers: ${readers} }): records and tiles are read ${readers ? 'on a thread, while the event loop turns' : 'on the store connection'}`, () =>
    withSqliteFile({ readers }, async (store) => {
      await append300(store);
      expect(await loopTurnsFirst(() => store.getRecord('acme', 'e7'))).toBe(readers > 0);
      // Tile 1 (44 wide): not the full tile that came with e7's record.
      expect(await loopTurnsFirst(() => store.readTiles('acme', [{ level: 0, index: 1, width: 44 }]))).toBe(readers > 0);
      expect((await store.getRecord('acme', 'e7'))!.leafIndex).toBe(7);
    }));
}

test('a record read on a thread brings its full level-0 tile and inner nodes with it, for the readTiles that follows, once', () =>
  withSqliteFile({ readers: 2 }, async (store, path) => {
    await append300(store);
    const refs = [{ level: 0, index: 0, width: 256 }, { level: 64, index: 0, width: 16 }];
    const stored = await store.readTiles('acme', refs);
    expect(stored.map((t) => t.length)).toEqual([8192, 512]);
    expect((await store.getRecord('acme', 'e7'))!.leafIndex).toBe(7);
    // Gone from the file: what readTiles gives now can only be what came with the record.
    const Database = createRequire(import.meta.url)('better-sqlite3');
    const other = new Database(path);
    other.prepare("DELETE FROM tiles WHERE log = 'acme' AND idx = 0 AND level IN (0, 64)").run();
    other.close();
    expect((await store.readTiles('acme', refs)).map((t) => Buffer.from(t))).toEqual(stored.map((t) => Buffer.from(t)));
    // Taken once: the next read goes to the file, which no longer has them.
    await expect(store.readTiles('acme', refs)).rejects.toThrow(/no tile 0\/0/);
  }));

test('a partial tile is not brought with its record: the next read sees the tile as it has grown since', () =>
  withSqliteFile({ readers: 2 }, async (store) => {
    await append300(store);
    expect((await store.getRecord('acme', 'e260'))!.leafIndex).toBe(260);
    await append(store, 'e300');
    const [tile] = await store.readTiles('acme', [{ level: 0, index: 1, width: 45 }]);
    expect(tile!.length).toBe(45 * 32);
  }));

test('records stop bringing their tiles once proofs no longer ask the store for them (a tile cache holds them)', () =>
  withSqliteFile({ readers: 1 }, async (store, path) => {
    await append300(store);
    const refs = [{ level: 0, index: 0, width: 256 }, { level: 64, index: 0, width: 16 }];
    const stored = await store.readTiles('acme', refs);
    // 64 record reads with no proof after them asking for a level-0 tile: the next ones come alone.
    for (let i = 0; i < 64; i++) expect((await store.getRecord('acme', `e${i}`))!.leafIndex).toBe(i);
    await store.readTiles('acme', refs); // takes what the last of them brought
    expect((await store.getRecord('acme', 'e70'))!.leafIndex).toBe(70);
    const Database = createRequire(import.meta.url)('better-sqlite3');
    const other = new Database(path);
    other.prepare("DELETE FROM tiles WHERE log = 'acme' AND idx = 0 AND level IN (0, 64)").run();
    other.close();
    // Nothing came with e70: the tile is read from the file, which no longer has it.
    await expect(store.readTiles('acme', refs)).rejects.toThrow(/no tile 0\/0/);
    expect(stored[0]!.length).toBe(8192);
  }));

// readers: 1e6 tried to start a million threads and 2.5 started three; a misspelt synchronous was taken as FULL.
test.each([
  [{ readers: 1e6 }, 'readers'],
  [{ readers: 2.5 }, 'readers'],
  [{ readers: -1 }, 'readers'],
  [{ readers: '4' }, 'readers'],
  [{ synchronous: 'Normal' }, 'synchronous'],
])('sqliteStore(%j) is refused with ERR_CONFIG naming %s, before any file is made', async (options, field) => {
  const folder = '/nonexistent-folder-for-a-refused-store';
  await expect(sqliteStore(join(folder, 'aegislog.db'), options as never)).rejects.toMatchObject({ code: 'ERR_CONFIG', field });
  expect(existsSync(folder)).toBe(false);
});
