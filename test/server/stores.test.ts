import { join } from 'node:path';
import { memoryStore } from '../../src/server/memory-store.js';
import { sqliteStore } from '../../src/server/sqlite-store.js';
import { tempDir } from './helpers.js';
import { storeConformance } from './store-conformance.js';

storeConformance('memoryStore', async () => ({ store: memoryStore(), cleanup: async () => {} }));

storeConformance('sqliteStore (real file, WAL)', async () => {
  const temp = await tempDir();
  const path = join(temp.dir, 'store.db');
  return { store: await sqliteStore(path), reopen: () => sqliteStore(path), cleanup: temp.remove };
}, true);
