import { join } from 'node:path';
import { createRequire } from 'node:module';
import { expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import { sqliteReaders } from '../../src/server/sqlite-readers.js';
import { sqliteStore } from '../../src/server/sqlite-store.js';
import { tempDir } from './helpers.js';
import { entry } from './store-conformance.js';

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

test('reader threads see each commit of the store connection as soon as it resolves, and run statements with their parameters', async () => {
  const temp = await tempDir();
  const path = join(temp.dir, 'store.db');
  const store = await sqliteStore(path);
  const readers = sqliteReaders(path, 2, driver);
  try {
    for (let i = 0; i < 5; i++) {
      await store.append({ tenantId: 'acme', entries: [entry('acme', `e${i}`)], now: Date.UTC(2026, 11, 1), keyId: 'k1', sha256 });
      const rows = await readers.get('SELECT leaf_index, event_id FROM records WHERE tenant_id = ? AND event_id = ?', [['acme', `e${i}`], ['acme', 'absent']]);
      expect(rows).toEqual([{ leaf_index: i, event_id: `e${i}` }, undefined]);
    }
    await expect(readers.get('SELECT x FROM nowhere', [[]])).rejects.toThrow(/no such table/);
  } finally {
    await readers.close();
    await store.close();
    await temp.remove();
  }
});

test('a thread that cannot start fails the reads it owed; then get() gives undefined and the store reads on its own connection', async () => {
  const temp = await tempDir();
  const path = join(temp.dir, 'store.db');
  const store = await sqliteStore(path);
  const readers = sqliteReaders(path, 1, join(temp.dir, 'no-such-driver.js'));
  try {
    await expect(readers.get('SELECT 1 AS one', [[]])).rejects.toThrow();
    expect(readers.get('SELECT 1 AS one', [[]])).toBeUndefined();
  } finally {
    await readers.close();
    await store.close();
    await temp.remove();
  }
});
