// The reference server, in-process behind its node:http adapter on
// 127.0.0.1 (ephemeral port), with a real SQLite file in a temp folder. A thin
// wrapper records what reached each route, so that tests can say which path
// (fetch, fetchLater, beacon) delivered an event and how often.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, listen, localSigner, sqliteStore, type NodeServerHandle, type Store } from '../../src/server/node.js';
import type { CheckpointV1, Receipt, WireEvent } from '../../src/protocol/index.js';
import { ROOT } from './static-server.js';

export const TENANT = 'e2e-tenant';

export interface Delivery {
  route: string;
  status: number;
  eventIds: string[];
  /** Receipts the server marked `duplicate: true` (the event was stored before). */
  duplicates: number;
  at: number;
}

export interface ApiServer {
  url: string;
  tenantId: string;
  ingestKey: string;
  readKey: string;
  adminKey: string;
  /** Every POST to /ingest, /ingest/batch and /beacon, in the order they were answered. */
  deliveries: Delivery[];
  /** Delivery requests that arrived, answered or not. */
  arrivals(): number;
  /** Holds every delivery answer this long after the events are stored (a slow network, a flush to interrupt). */
  holdAnswers(ms: number): void;
  /** Stops listening (the port goes dark); the store stays open. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Every event id the store holds for the tenant, in leaf order, across all periods. */
  storedIds(): Promise<string[]>;
  /** The events themselves, in the same order. */
  storedEvents(): Promise<WireEvent[]>;
  /** Polls the store until it holds `count` events or the deadline passes; returns what it holds. */
  waitForStored(count: number, timeoutMs?: number): Promise<string[]>;
  seal(): Promise<CheckpointV1[]>;
  get(path: string, key?: string): Promise<Response>;
  close(): Promise<void>;
}

const secret = (scope: string) => `ak_${scope}_${crypto.randomUUID().replaceAll('-', '')}`;
const DELIVERY_ROUTES = new Set(['/ingest', '/ingest/batch', '/beacon']);

/** `origins`: the browser origins the ingest key allows (the app under test). */
export async function startApiServer(origins: string[]): Promise<ApiServer> {
  const dir = await mkdtemp(join(tmpdir(), 'aegislog-e2e-'));
  const store: Store = await sqliteStore(join(dir, 'aegislog.db'));
  const keys = { ingest: secret('ingest'), read: secret('read'), admin: secret('admin') };
  const server = createServer({
    signer: await localSigner(),
    store,
    keys: [
      { key: keys.ingest, tenant_id: TENANT, scope: 'ingest', origins },
      { key: keys.read, tenant_id: TENANT, scope: 'read' },
      { key: keys.admin, tenant_id: '*', scope: 'admin' },
    ],
    period: 86400,
    origin: 'e2e.aegislog.test/log',
    onError: (error) => console.error('reference server error', error),
  });
  await server.ready;
  const deliveries: Delivery[] = [];
  let holdMs = 0;
  let arrived = 0;

  const handler = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (request.method !== 'POST' || !DELIVERY_ROUTES.has(path)) return server(request);
    arrived++;
    const body = await request.clone().text();
    const response = await server(request);
    if (holdMs > 0) await new Promise((done) => setTimeout(done, holdMs));
    const answer = response.status === 200 ? await response.clone().text() : '';
    deliveries.push({ route: path, status: response.status, eventIds: eventIdsOf(body), duplicates: countDuplicates(answer), at: Date.now() });
    return response;
  };

  // Like `aegislog dev`, the API origin also serves the demo pages at /demo/.
  const staticFiles = { prefix: '/demo/', dir: join(ROOT, 'dist', 'demo') };
  let http: NodeServerHandle | undefined = await listen(handler, { port: 0, staticFiles });
  const port = http.port;
  const url = http.url;

  const storedEvents = async () => {
    const events: WireEvent[] = [];
    const size = await store.logSize(TENANT);
    for (let from = 0; from < size; from += 1000) for (const record of await store.records(TENANT, from, size, 1000)) events.push(record.event);
    return events;
  };
  const storedIds = async () => (await storedEvents()).map((event) => event.event_id);

  return {
    url,
    tenantId: TENANT,
    ingestKey: keys.ingest,
    readKey: keys.read,
    adminKey: keys.admin,
    deliveries,
    holdAnswers: (ms) => void (holdMs = ms),
    arrivals: () => arrived,
    async down() {
      await http?.close();
      http = undefined;
    },
    async up() {
      if (!http) http = await listen(handler, { port, staticFiles });
    },
    storedIds,
    storedEvents,
    async waitForStored(count, timeoutMs = 15_000) {
      let ids = await storedIds();
      for (let looks = Math.ceil(timeoutMs / 100); ids.length < count && looks > 0; looks--) {
        await new Promise((done) => setTimeout(done, 100));
        ids = await storedIds();
      }
      return ids;
    },
    async seal() {
      const response = await fetch(`${url}/admin/seal`, { method: 'POST', headers: { 'x-api-key': keys.admin } });
      if (!response.ok) throw new Error(`seal answered ${response.status}: ${await response.text()}`);
      return ((await response.json()) as { sealed: CheckpointV1[] }).sealed;
    },
    get: (path, key = keys.read) => fetch(`${url}${path}`, { headers: { 'x-api-key': key } }),
    async close() {
      await http?.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function eventIdsOf(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { events?: { event_id?: unknown }[]; event_id?: unknown };
    const events = Array.isArray(parsed.events) ? parsed.events : [parsed];
    return events.map((e) => String(e.event_id ?? '?'));
  } catch {
    return [];
  }
}

function countDuplicates(answer: string): number {
  if (!answer) return 0;
  try {
    const parsed = JSON.parse(answer) as { receipts?: Receipt[]; duplicate?: boolean };
    return (parsed.receipts ?? [parsed]).filter((r) => r.duplicate === true).length;
  } catch {
    return 0;
  }
}
