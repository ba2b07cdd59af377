/**
 * The reference server (aegislog/server: memory store, local signer) over real
 * HTTP on 127.0.0.1, for the Workers and edge functions under test to deliver
 * to. `setDown(true)` makes it unreachable (each connection reset) until `setDown(false)`.
 */
import { createServer, localSigner, memoryStore, type ApiKeyConfig } from '../../src/server/index.js';
import { serve, type Served } from './serve.js';

export const TENANT = 'acme';
export const READ_KEY = 'sk_read_edge_tests';
export const INGEST_KEY = 'pk_ingest_edge_tests';

export interface Reference extends Served {
  /** GET with the read key; the parsed JSON body and status. */
  get(path: string): Promise<{ status: number; body: any }>;
  /** The evidence bundle of an event, or undefined while the server does not have it. */
  evidence(eventId: string): Promise<any>;
}

export async function startReference(origins: string[] = []): Promise<Reference> {
  const keys: ApiKeyConfig[] = [
    { key: READ_KEY, tenant_id: TENANT, scope: 'read' },
    { key: INGEST_KEY, tenant_id: TENANT, scope: 'ingest', origins },
  ];
  const server = createServer({ signer: await localSigner(), store: memoryStore(), keys, origin: 'edge.test.example/log', onError: () => {} });
  await server.ready;
  const served = await serve(server);
  const get = async (path: string) => {
    const res = await fetch(`${served.url}${path}`, { headers: { 'x-api-key': READ_KEY } });
    return { status: res.status, body: await res.json() };
  };
  return {
    url: served.url,
    setDown: served.setDown,
    get resets() {
      return served.resets;
    },
    close: served.close,
    get,
    async evidence(eventId) {
      const { status, body } = await get(`/evidence/${encodeURIComponent(eventId)}?tenant_id=${TENANT}`);
      return status === 200 ? body : undefined;
    },
  };
}
