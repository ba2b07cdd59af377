import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { getCurrentTest } from 'vitest/suite';
import { createServer, listen, localSigner, memoryStore, sqliteStore } from '../../src/server/node.js';
import type { AegisServer, ApiKeyConfig, NodeServerHandle, ServerOptions, Signer, Store } from '../../src/server/node.js';
import { startOrRemove } from '../support/start-or-remove.js';

export const TENANT = 'acme';
export const ORIGIN = 'evidence.test.example/log';
/** A fixed note key (seed 0x07 × 32, named by ORIGIN), so that a restarted server signs with the same Ed25519 key. */
export const NOTE_KEY = 'PRIVATE+KEY+evidence.test.example/log+00bd893d+AQcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH';
export const KEYS = {
  ingest: 'ingest-key-acme-0000000001',
  read: 'read-key-acme-000000000001',
  otherRead: 'read-key-other-00000000001',
  admin: 'admin-key-00000000000000001',
  browser: 'ingest-key-browser-0000001',
};
export const KEY_CONFIG: ApiKeyConfig[] = [
  { key: KEYS.ingest, tenant_id: TENANT, scope: 'ingest' },
  { key: KEYS.read, tenant_id: TENANT, scope: 'read' },
  { key: KEYS.otherRead, tenant_id: 'other', scope: 'read' },
  { key: KEYS.admin, tenant_id: '*', scope: 'admin' },
  { key: KEYS.browser, tenant_id: TENANT, scope: 'ingest', origins: ['https://app.example'] },
];

/** A controllable clock in epoch ms. */
export function clock(start = Date.UTC(2026, 10, 28, 9, 0, 0)) {
  let t = start;
  return { now: () => t, set: (ms: number) => void (t = ms), advance: (ms: number) => void (t += ms) };
}

/**
 * A folder of its own under the OS temp folder. One made in a test (or its beforeEach) is removed
 * when that test finishes, passed or failed, even where the test throws before its own `remove()`;
 * one made in a beforeAll is for its afterAll to remove.
 */
export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'aegislog-server-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  if (getCurrentTest()) onTestFinished(remove);
  return { dir, remove };
}

/** A SQLite store on a file of its own (`options` as sqliteStore takes them), closed and removed after `body`. */
export async function withSqliteFile(options: Parameters<typeof sqliteStore>[1], body: (store: Store, path: string) => Promise<void>): Promise<void> {
  const temp = await tempDir();
  const path = join(temp.dir, 'store.db');
  const store = await sqliteStore(path, options);
  try {
    await body(store, path);
  } finally {
    await store.close();
    await temp.remove();
  }
}

export interface Running {
  url: string;
  server: AegisServer;
  store: Store;
  signer: Signer;
  /** fetch relative to the server with a key (or none). */
  call(path: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<Response>;
  stop(): Promise<void>;
}

/** A real server on 127.0.0.1 (ephemeral port) over a real SQLite file in a temp dir, unless a store is given. */
export async function start(options: StartOptions = {}): Promise<Running> {
  const temp = options.dir ? undefined : await tempDir();
  return startOrRemove(temp, () => serve(options, temp));
}

type StartOptions = Partial<ServerOptions> & { sqlite?: boolean; dir?: string };

async function serve(options: StartOptions, temp: Awaited<ReturnType<typeof tempDir>> | undefined): Promise<Running> {
  const dir = options.dir ?? temp!.dir;
  const store = options.store ?? (options.sqlite === false ? memoryStore() : await sqliteStore(join(dir, 'aegislog.db')));
  const signer = options.signer ?? (await localSigner({ dir }));
  const errors: unknown[] = [];
  let url = '';
  // Its own URL is its public origin (as `aegislog dev` does): known once it listens.
  const server = createServer({ keys: KEY_CONFIG, origin: ORIGIN, noteKey: NOTE_KEY, onError: (e) => errors.push(e), publicOrigins: () => [url], ...options, store, signer });
  await server.ready;
  const http: NodeServerHandle = await listen(server, { port: 0 });
  url = http.url;
  return {
    url: http.url,
    server,
    store,
    signer,
    call(path, init = {}) {
      const { key = KEYS.read, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key) headers.set('x-api-key', key);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(http.url + path, { ...rest, headers, ...(json === undefined ? {} : { body: JSON.stringify(json), method: rest.method ?? 'POST' }) });
    },
    async stop() {
      try {
        await http.close();
        await store.close();
      } finally {
        await temp?.remove();
      }
    },
  };
}

/** Runs `body` against a fresh server and always stops it. */
export async function withServer(options: Parameters<typeof start>[0], body: (s: Running) => Promise<void>): Promise<void> {
  const s = await start(options);
  try {
    await body(s);
  } finally {
    await s.stop();
  }
}

export function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tenant_id: TENANT,
    event_type: 'model_inference',
    event_id: crypto.randomUUID(),
    trace_id: crypto.randomUUID(),
    model_context: { model_id: 'risk-v4', model_version: '4.2.0' },
    prompt: 'hello',
    ...overrides,
  };
}
