// durableObjectStore in real workerd (miniflare) for a test file: the store runs in the fixture Worker over Durable
// Objects with SQLite storage in a temp folder, and each Store call is one request to that Worker.
// `restart()` disposes of workerd and starts a new one on the same folder: the stores made before serve on.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll } from 'vitest';
import type { LogObject, Store } from '../../src/server/index.js';
import { callLogObject } from '../../src/server/log-object-wire.js';
import { bundleWorker, newMiniflare } from '../edge/workerd.js';

/** What `workerdStores` gives: a maker of new stores, and a restart of workerd on the same folder. */
export interface WorkerdStores {
  (): Store;
  restart(): Promise<void>;
}

/** Starts workerd before the file's tests and disposes of it after; returns a maker of new stores named `prefix-N`. */
export function workerdStores(prefix: string): WorkerdStores {
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
    dir = await mkdtemp(join(tmpdir(), `aegislog-do-${prefix}-`));
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
  const restart = async () => {
    await mf!.dispose();
    await start();
  };
  return Object.assign(() => storeIn(() => mf!, `${prefix}-${++stores}`), { restart });
}

/**
 * The store `name` in the fixture Worker of the workerd `mf()` gives at each call (one restarted on the same folder
 * serves it too): every method one request to it (a function argument, append's
 * sha256, stays here). Not thenable: the store is returned from async functions.
 */
export function storeIn(mf: () => Miniflare, name: string): Store {
  const worker: LogObject = {
    fetch: async (request) => {
      const response = await mf().dispatchFetch(`http://do.test/store/${encodeURIComponent(name)}`, { method: 'POST', body: await request.text() });
      return new Response(await response.text(), { status: response.status });
    },
  };
  return new Proxy({} as Store, { get: (_target, method: string) => (method === 'then' ? undefined : (...args: unknown[]) => callLogObject(worker, method, args)) });
}
