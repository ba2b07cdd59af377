// A tiny static file server on 127.0.0.1 standing for the web app's own origin
// (the API runs on another origin, as it would in production: CORS is exercised).
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
};

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `mounts` (URL prefix -> folder) and `json` (exact path -> value, e.g.
 * the chat demo's /demo/config.json). Anything else is a 404.
 */
export async function startStaticServer(
  mounts: Record<string, string>,
  json: Record<string, unknown> = {},
): Promise<StaticServer> {
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path in json) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(json[path]));
      return;
    }
    const file = resolveFile(mounts, path);
    if (!file) return notFound(res);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(body);
    } catch {
      notFound(res);
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
  };
}

function resolveFile(mounts: Record<string, string>, path: string): string | undefined {
  for (const [prefix, dir] of Object.entries(mounts)) {
    if (!path.startsWith(prefix)) continue;
    let rest = path.slice(prefix.length);
    if (rest === '' || rest.endsWith('/')) rest += 'index.html';
    const base = resolve(ROOT, dir);
    const file = normalize(join(base, rest));
    // No escaping the mounted folder with ../
    if (file.startsWith(base + sep)) return file;
  }
  return undefined;
}

function notFound(res: import('node:http').ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}
