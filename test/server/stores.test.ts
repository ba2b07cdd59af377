import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { sha256 } from '../../src/protocol/index.js';
import type { Store } from '../../src/server/types.js';
import { memoryStore } from '../../src/server/memory-store.js';
import { sqliteStore } from '../../src/server/sqlite-store.js';
import { tempDir } from './helpers.js';
import { entry, storeConformance } from './store-conformance.js';

storeConformance('memoryStore', async () => ({ store: memoryStore(), cleanup: async () => {} }));

storeConformance('sqliteStore (real file, WAL)', async () => {
  const temp = await tempDir();
  const path = join(temp.dir, 'store.db');
  return { store: await sqliteStore(path), reopen: () => sqliteStore(path), cleanup: temp.remove };
}, true);

// Records and tiles read on two worker threads, each with a read-only connection: the same contract.
storeConformance('sqliteStore with reader threads', async () => {
  const temp = await tempDir();
  const path = join(temp.dir, 'store.db');
  return { store: await sqliteStore(path, { readers: 2 }), reopen: () => sqliteStore(path, { readers: 2 }), cleanup: temp.remove };
}, true);

// Group commits on a writer thread with its own connection, and reads on two threads: the same contract.
storeConformance('sqliteStore with a writer thread', async () => {
  const temp = await tempDir();
  const path = join(temp.dir, 'store.db');
  const open = () => sqliteStore(path, { writer: true, readers: 2 });
  return { store: await open(), reopen: open, cleanup: temp.remove };
}, true);

describe('sqliteStore: signatures wait for the next commit', () => {
  const T1 = Date.UTC(2026, 10, 28, 1);
  const append = (store: Store, ids: string[]) => store.append({ tenantId: 'acme', entries: ids.map((id) => entry('acme', id)), now: T1, keyId: 'k1', sha256 });

  test('a signature given before an append is kept in that append\'s commit, not on its own', async () => {
    const temp = await tempDir();
    const store = await sqliteStore(join(temp.dir, 'store.db'));
    try {
      await append(store, ['a']);
      let kept = false;
      const signing = store.putSignatures([{ tenantId: 'acme', eventId: 'a', leafIndex: 0, signature_b64url: 'sig-a' }]).then(() => (kept = true));
      expect((await store.getRecord('acme', 'a'))!.signature_b64url).toBeNull(); // waiting
      await append(store, ['b']);
      expect(kept).toBe(true); // resolved with the append's commit, before any timer
      expect((await store.getRecord('acme', 'a'))!.signature_b64url).toBe('sig-a');
      await signing;
    } finally {
      await store.close();
      await temp.remove();
    }
  });

  test('close() keeps the signatures still waiting', async () => {
    const temp = await tempDir();
    const path = join(temp.dir, 'store.db');
    const store = await sqliteStore(path);
    await append(store, ['a']);
    const signing = store.putSignatures([{ tenantId: 'acme', eventId: 'a', leafIndex: 0, signature_b64url: 'sig-a' }]);
    await store.close();
    await signing;
    const reopened = await sqliteStore(path);
    try {
      expect((await reopened.getRecord('acme', 'a'))!.signature_b64url).toBe('sig-a');
    } finally {
      await reopened.close();
      await temp.remove();
    }
  });
});
