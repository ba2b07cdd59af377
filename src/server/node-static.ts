import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.pem': 'application/x-pem-file',
  '.ndjson': 'application/x-ndjson',
};

const text = (status: number, body: string) => new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });

/**
 * Serves files of `root` under `prefix` (such as `/demo/`). No way out of
 * `root`: `..` segments, backslashes and NUL are refused, and the real path
 * (after symlinks) must still lie inside `root`.
 */
export async function staticResponse(root: string, prefix: string, method: string, pathname: string): Promise<Response> {
  if (method !== 'GET' && method !== 'HEAD') return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });
  if (pathname === prefix.slice(0, -1)) return new Response(null, { status: 301, headers: { location: prefix } });
  let relative: string;
  try {
    relative = decodeURIComponent(pathname.slice(prefix.length));
  } catch {
    return text(400, 'bad path');
  }
  if (relative.includes('\0') || relative.includes('\\') || relative.split('/').includes('..')) return text(404, 'not found');
  try {
    const base = await realpath(root);
    let file = await realpath(resolve(base, relative || '.'));
    if (file !== base && !file.startsWith(base + sep)) return text(404, 'not found');
    if ((await stat(file)).isDirectory()) {
      // A folder's page needs its trailing slash, or its relative URLs (./chat.js) resolve one level up.
      if (!pathname.endsWith('/')) return new Response(null, { status: 301, headers: { location: `${pathname}/` } });
      file = await realpath(resolve(file, 'index.html'));
    }
    if (!file.startsWith(base + sep)) return text(404, 'not found');
    const body = await readFile(file);
    const headers = { 'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', 'x-content-type-options': 'nosniff' };
    return new Response(method === 'HEAD' ? null : body, { headers: { ...headers, 'content-length': String(body.length) } });
  } catch {
    return text(404, 'not found');
  }
}
