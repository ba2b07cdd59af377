import { afterAll, beforeAll } from 'vitest';
import { createServer, listen, localSigner, memoryStore, type NodeServerHandle } from '../../src/server/node.js';

/**
 * A reference server on 127.0.0.1 for the `describe` it is called in (started before its tests, closed after),
 * with one ingest key of tenant `acme`; gives a POST of a body (JSON text as it is, any other value stringified).
 */
export function ingestServer(key: string, name: string): (path: string, body: unknown) => Promise<Response> {
  let http: NodeServerHandle | undefined;
  beforeAll(async () => {
    const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: `${name}.example/log`, keys: [{ key, tenant_id: 'acme', scope: 'ingest' }] });
    http = await listen(server, { host: '127.0.0.1', port: 0 });
  });
  afterAll(() => http?.close());
  return (path, body) =>
    fetch(`${http!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
