import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll } from 'vitest';
import type { Store } from '../../src/server/index.js';
import { bundleWorker, newMiniflare } from '../edge/workerd.js';
import { storeIn } from './do-store-workerd.js';
import { storeConformance } from './store-conformance.js';

/**
 * durableObjectStore in real workerd (miniflare): the store runs in the fixture
 * Worker, as a front Worker runs it, over Durable Objects with SQLite storage
 * persisted in a temp folder; each Store call of the suite is one request to that
 * Worker. "Reopen" disposes of workerd and starts a new one on the same folder.
 */
let dir: string;
let script: string;
let mf: Miniflare | undefined;

const start = async () => {
  mf = newMiniflare({
    modules: true,
    script,
    compatibilityDate: '2025-09-01',
    durableObjects: { ROOTS: { className: 'RootLog', useSQLite: true }, TENANTS: { className: 'TenantLog', useSQLite: true } },
    durableObjectsPersist: dir,
  });
  await mf.ready;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aegislog-do-store-'));
  script = await bundleWorker('test/server/fixtures/do-store-worker.ts');
  await start();
}, 60_000);
afterAll(async () => {
  try {
    await mf?.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

let stores = 0;
/** The store `name` in workerd, as it runs now (a reopen starts a new workerd on the same folder). */
const storeNamed = (name: string): Store => storeIn(() => mf!, name);

storeConformance('durableObjectStore in workerd (Durable Objects with SQLite storage)', async () => {
  const name = `store-${++stores}`;
  return {
    store: storeNamed(name),
    reopen: async () => {
      await mf!.dispose();
      await start();
      return storeNamed(name);
    },
    cleanup: async () => {},
  };
}, true);
