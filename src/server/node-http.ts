import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { staticResponse } from './node-static.js';

export interface ListenOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Files served as they are under a path prefix, such as the demo pages: `{ prefix: '/demo/', dir }`. */
  staticFiles?: { prefix: string; dir: string };
}

export interface NodeServerHandle {
  url: string;
  port: number;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`, default 2 s, then cuts them), resolves when closed. */
  close(graceMs?: number): Promise<void>;
}

type FetchHandler = (request: Request) => Promise<Response>;

/** Runs a fetch handler on `node:http`. */
export async function listen(handler: FetchHandler, options: ListenOptions = {}): Promise<NodeServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const server = createHttpServer((req, res) => void respond(handler, options, req, res));
  // Longer than clients keep idle sockets (undici: 4 s), so a client never reuses a socket the server is closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.listen(options.port ?? 8787, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    close: (graceMs = 2000) =>
      new Promise<void>((done) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(force);
          done();
        });
        server.closeIdleConnections();
      }),
  };
}

async function respond(handler: FetchHandler, options: ListenOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const files = options.staticFiles;
    const response =
      files && (url.pathname + '/').startsWith(files.prefix)
        ? await staticResponse(files.dir, files.prefix, req.method ?? 'GET', url.pathname)
        : await handler(await toRequest(req, url));
    await write(response, req, res);
  } catch {
    // The handler answers its own errors; this is the adapter failing (a socket gone mid-answer).
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"internal","message":"internal error"}}');
    else res.destroy();
  }
}

/** Bodies that declare at most this many bytes are read before the handler runs: a Web stream per small request costs more than the body. */
const SMALL_BODY = 64 * 1024;

async function toRequest(req: IncomingMessage, url: URL): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const init: RequestInit & { duplex?: 'half' } = { method: req.method!, headers };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const declared = Number(req.headers['content-length']);
    if (Number.isInteger(declared) && declared <= SMALL_BODY) {
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > SMALL_BODY) throw new Error('body longer than its Content-Length'); // Node refuses this first; kept as a bound
        chunks.push(chunk);
      }
      init.body = Buffer.concat(chunks);
    } else {
      init.body = bodyOf(req);
      init.duplex = 'half';
    }
  }
  return new Request(url, init);
}

/**
 * The request body as a Web stream that reads from the socket only as the
 * handler pulls. A handler that stops early (body over its limit) cancels it:
 * reading stops, and the answer closes the connection instead of draining it.
 */
function bodyOf(req: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once('end', () => controller.close());
      req.once('error', (error) => controller.error(error));
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      req.pause();
      req.unpipe();
    },
  });
}

async function write(response: Response, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  if (!req.complete) headers.connection = 'close';
  res.writeHead(response.status, headers);
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  res.once('close', () => void reader.cancel().catch(() => {}));
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!res.write(value)) await once(res, 'drain');
  }
  res.end();
}
