// Shared by the client tests: the reference server (src/server) in-process or over real HTTP, and small probes.
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';
import type { ApiKeyConfig, AegisServer, Store } from '../../src/server/index.js';
import type { FetchLike } from '../../src/index.js';

export const TENANT = 'acme';
export const INGEST_KEY = 'ingest-key-client-tests-0001';
export const READ_KEY = 'read-key-client-tests-00001';
export const KEYS: ApiKeyConfig[] = [
  { key: INGEST_KEY, tenant_id: TENANT, scope: 'ingest' },
  { key: READ_KEY, tenant_id: TENANT, scope: 'read' },
];

/** Short backoff so that retry tests stay fast. */
export const FAST_RETRY = { attempts: 8, baseDelay: 2, maxDelay: 20, maxRetryAfter: 30 };

export interface InProcess {
  server: AegisServer;
  store: Store;
  /** The server as a fetch function: real handler, no sockets (runs in the edge-runtime environment too). */
  fetch: FetchLike;
  /** Requests the server saw, by path. */
  calls: string[];
  publicJwk(): Promise<JsonWebKey>;
}

/** The reference server's Web fetch handler with its memory store and a fresh local signing key. */
export async function inProcessServer(): Promise<InProcess> {
  const store = memoryStore();
  const signer = await localSigner();
  const server = createServer({ signer, store, keys: KEYS, origin: 'client.test.example/log', onError: (e) => console.error('server error', e) });
  await server.ready;
  const calls: string[] = [];
  return {
    server,
    store,
    calls,
    fetch: (url, init) => {
      calls.push(new URL(url).pathname);
      return server(new Request(url, init));
    },
    publicJwk: () => signer.publicJwk(),
  };
}

/** Event ids of the tenant's receipts not yet sealed, through `GET /export` (a header line, then one receipt per line). */
export async function storedIds(fetchFn: FetchLike, base: string): Promise<string[]> {
  const response = await fetchFn(`${base}/export?tenant_id=${TENANT}`, { headers: { 'x-api-key': READ_KEY } });
  if (response.status !== 200) throw new Error(`export answered ${response.status}: ${await response.text()}`);
  const text = await response.text();
  return text.split('\n').filter(Boolean).slice(1).map((line) => (JSON.parse(line) as { event_id: string }).event_id);
}

/** Asserts helper: every id once, nothing else. */
export function countBy(ids: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

/** Waits until `probe` is true, polling every 5 ms; fails after `ms` / 5 looks (a count, not the wall clock: a loaded machine gets as many). */
export async function until(probe: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  for (let looks = Math.ceil(ms / 5); !(await probe()); looks--) {
    if (looks <= 0) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
