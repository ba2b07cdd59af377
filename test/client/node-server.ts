// The reference server over real HTTP on 127.0.0.1 (ephemeral port), on a real SQLite file in a temp dir.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, listen, localSigner, sqliteStore } from '../../src/server/node.js';
import type { Signer } from '../../src/server/node.js';
import { startOrRemove } from '../support/start-or-remove.js';
import { KEYS } from './helpers.js';

export interface RealServer {
  url: string;
  signer: Signer;
  stop(): Promise<void>;
}

export async function startServer(): Promise<RealServer> {
  const dir = await mkdtemp(join(tmpdir(), 'aegislog-client-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  return startOrRemove({ remove }, () => serve(dir, remove));
}

async function serve(dir: string, remove: () => Promise<void>): Promise<RealServer> {
  const store = await sqliteStore(join(dir, 'aegislog.db'));
  const signer = await localSigner({ dir });
  const server = createServer({ signer, store, keys: KEYS, origin: 'client.test.example/log', onError: (e) => console.error('server error', e) });
  await server.ready;
  const http = await listen(server, { port: 0 });
  return {
    url: http.url,
    signer,
    async stop() {
      try {
        await http.close();
        await store.close();
      } finally {
        await remove();
      }
    },
  };
}

/** A proxy on 127.0.0.1 in front of the server, `handle` answering or passing on each request: its URL and its stop. */
export async function startProxy(handle: RequestListener): Promise<{ url: string; stop(): Promise<void> }> {
  const proxy = createHttpServer(handle);
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    stop: () => new Promise((done) => (proxy.close(() => done()), proxy.closeAllConnections())),
  };
}
