// A static file server on 127.0.0.1 standing for the web app's own origin (the
// API runs on another origin, as it would in production: CORS is exercised).
// Files go through the reference server's own static handler and adapter.
import { resolve } from 'node:path';
import { listen, staticResponse } from '../../src/server/node.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `mounts` (URL prefix -> folder under the repository) and `json`
 * (exact path -> value, read at request time: the chat demo's /demo/config.json).
 */
export async function startStaticServer(mounts: Record<string, string>, json: Record<string, unknown> = {}): Promise<StaticServer> {
  const handle = await listen(
    async (request) => {
      const { pathname } = new URL(request.url);
      if (pathname in json) return Response.json(json[pathname], { headers: { 'cache-control': 'no-store' } });
      const mount = Object.entries(mounts).find(([prefix]) => pathname.startsWith(prefix));
      if (mount) return staticResponse(resolve(ROOT, mount[1]), mount[0], request.method, pathname);
      return new Response('not found', { status: 404 });
    },
    { port: 0 },
  );
  return { url: handle.url, close: handle.close };
}
