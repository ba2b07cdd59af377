import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll } from 'vitest';
import { durableObjectStore } from '../../src/server/index.js';
import type { LogObject } from '../../src/server/index.js';
import { bundleWorker } from '../edge/workerd.js';
import { storeConformance } from './store-conformance.js';

/**
 * durableObjectStore against its log objects in real workerd (miniflare): Durable
 * Objects with SQLite storage persisted in a temp folder. The store itself runs here
 * and reaches each object through the fixture Worker, as a front Worker would.
 * "Reopen" disposes of workerd and starts a new one on the same folder.
 */
let dir: string;
let script: string;
let mf: Miniflare | undefined;

const start = async () => {
  mf = new Miniflare({
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
  await mf?.dispose();
  await rm(dir, { recursive: true, force: true });
});

let stores = 0;
const object = (path: string): LogObject => ({
  fetch: async (request) => {
    const response = await mf!.dispatchFetch(`http://do.test/${path}`, { method: 'POST', body: await request.text() });
    return new Response(await response.text(), { status: response.status });
  },
});
const storeNamed = (name: string) =>
  durableObjectStore({ root: () => object(`root/${name}`), tenant: (id) => object(`tenant/${name}/${encodeURIComponent(id)}`) });

storeConformance('durableObjectStore (Durable Objects with SQLite storage in workerd)', async () => {
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
