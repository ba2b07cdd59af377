import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AegisLogError } from '../protocol/errors.js';
import { limitsOver, wholeFrom } from '../protocol/limits.js';
import { staticResponse } from './node-static.js';
import { errorBody } from '../transport/web-handler.js';
import { ANSWER, JsonAnswer, jsonAnswer, type Answer, type AnswerHandler } from './answer.js';
import { guardedOnError } from './guarded-on-error.js';

/** What a client may hold of this process: connections, and time to send a request. */
export interface HttpLimits {
  /** Open connections at most; more are closed at once. */
  maxConnections: number;
  /** Open connections from one client address at most, an IPv6 client counted by its /64 (0: no limit; behind a reverse proxy every client is the proxy). */
  maxConnectionsPerClient: number;
  /** ms to receive a request's headers. */
  headersTimeout: number;
  /** ms to receive a whole request, body included (at least `headersTimeout`). */
  requestTimeout: number;
  /** ms an idle keep-alive connection stays open: longer than clients keep idle sockets (undici: 4 s), so a client never reuses one the server is closing. */
  keepAliveTimeout: number;
  /**
   * Bytes of a body that the answer did not need (refused early: 413, 401) read
   * and thrown away after answering, so that a client still sending reads the
   * answer instead of EPIPE; past this the connection is cut.
   */
  drainBytes: number;
  /**
   * ms a connection may go without a byte sent or received while an answer is
   * being sent: a client that stops reading its answer is cut, and the answer's
   * memory freed. The time a handler takes to make its answer is not counted.
   */
  sendTimeout: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxConnections: 1000,
  maxConnectionsPerClient: 100,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 65_000,
  drainBytes: 64 * 1024 * 1024,
  sendTimeout: 30_000,
};

/**
 * Requests one connection may queue (HTTP/1.1 pipelining) behind the one being
 * answered; the connection is cut past it. Browsers and undici send one at a time.
 */
const MAX_PIPELINED = 16;

export interface ListenOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Files served as they are under a path prefix, such as the demo pages: `{ prefix: '/demo/', dir }`. */
  staticFiles?: { prefix: string; dir: string };
  limits?: Partial<HttpLimits>;
  /** Where the adapter's own failures go, with the id its 500 answer carries (default: console.error). */
  onError?: (error: unknown, errorId: string) => void;
}

export interface NodeServerHandle {
  url: string;
  port: number;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`, default 2 s, then cuts them), resolves when closed. */
  close(graceMs?: number): Promise<void>;
}

/** What `listen` serves: a Web-standard fetch handler, such as `createServer`'s. */
export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * Runs a fetch handler on `node:http`. A request's `signal` aborts when the client closes the
 * connection before the answer was written out, as in Deno, Bun and workerd: the handler can stop
 * work nobody will read (the server stops an export so).
 */
export async function listen(handler: FetchHandler, options: ListenOptions = {}): Promise<NodeServerHandle> {
  const host = options.host ?? '127.0.0.1';
  // Checked before anything listens: a host that is no string failed as a TypeError with the port already held.
  if (typeof host !== 'string' || host === '') throw new AegisLogError('ERR_CONFIG', 'host must be a host name or address, such as 127.0.0.1', { field: 'host' });
  checkStaticFiles(options.staticFiles);
  // Node throws a RangeError for a port that is no number (NaN: Number() of a bad PORT), and takes text that is
  // none for the path of a UNIX socket, made in the working folder (its URL then says port undefined).
  const port: unknown = options.port ?? 8787;
  if (!/^\d{1,5}$/.test(String(port)) || Number(port) > 65535 || (typeof port !== 'number' && typeof port !== 'string')) {
    throw new AegisLogError('ERR_CONFIG', `port must be a whole number from 0 to 65535 (0: a free one), not ${typeof port === 'string' ? JSON.stringify(port) : String(port)}`, { field: 'port' });
  }
  const limits = httpLimits(options.limits);
  const onError = guardedOnError(options.onError);
  const server = createHttpServer(
    {
      headersTimeout: limits.headersTimeout,
      requestTimeout: limits.requestTimeout,
      keepAliveTimeout: limits.keepAliveTimeout,
      // Node checks both timeouts on this interval (default 30 s, longer than the timeouts themselves).
      // A timeout of 0 is none: it must not make the interval 0, which Node runs every millisecond.
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeout || limits.requestTimeout || 1000),
    },
    (req, res) => inTurn(req.socket, req, res, () => respond(handler, options, onError, limits, req, res)),
  );
  // `Expect: 100-continue` (curl for large bodies, .NET, the AWS SDKs): Node would say "100 Continue" at
  // once, and the client send a body that a refusal before reading it (401, 413 by its declared size, 415)
  // never needed. Said once the handler reads the body instead (bodyOf); an answer without it closes the
  // connection (Node's doing), so a client that sends the body anyway is drained as any unread body is.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    awaitingContinue.add(req);
    server.emit('request', req, res);
  });
  // Without a 'timeout' listener Node destroys the socket; after an answer, keepAliveTimeout takes over.
  server.timeout = limits.sendTimeout;
  server.maxConnections = limits.maxConnections;
  limitPerClient(server, limits.maxConnectionsPerClient);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // A request Node could not parse, or that took too long. Once this request was answered
    // (the rest of its body being drained), nothing more may be written: just close. So too while an
    // earlier request (read whole: the error is a later one's) is being answered and its answer is not
    // all written: a status line inside it (an export being sent) would break its framing, and one
    // before it (its handler still at work) would be read as that request's answer.
    const line = lines.get(socket);
    const earlier = line?.busy === true && line.req?.complete === true && line.res?.writableEnded === false;
    if (!socket.writable || answered.has(socket) || earlier) return void socket.destroy();
    const [status, code, message] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request_timeout', 'the request took too long to arrive']
      : error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers_too_large', 'the request headers are too large']
      : [400, 'bad_request', `the request is not valid HTTP/1.1 (${error.code ?? 'parse error'})`];
    const body = JSON.stringify({ error: { code, message } });
    socket.end(`HTTP/1.1 ${status} ${code}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    socket.destroySoon();
  });
  server.listen(Number(port), host);
  await once(server, 'listening');
  const { port: bound } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  return {
    url,
    port: bound,
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

/**
 * `staticFiles`: a prefix `/path/` (one without its slashes served nothing: `/demo` looked `/demo/x.html` up as
 * `/x.html`, `demo/` matched no path) and the folder to serve.
 */
function checkStaticFiles(files: ListenOptions['staticFiles']): void {
  if (files === undefined) return;
  if (typeof files !== 'object' || files === null) throw new AegisLogError('ERR_CONFIG', 'staticFiles must be { prefix, dir }', { field: 'staticFiles' });
  if (typeof files.prefix !== 'string' || !/^\/(.*\/)?$/.test(files.prefix)) {
    throw new AegisLogError('ERR_CONFIG', 'staticFiles.prefix must be a path that starts and ends with /, such as /demo/', { field: 'staticFiles.prefix' });
  }
  if (typeof files.dir !== 'string' || files.dir === '') throw new AegisLogError('ERR_CONFIG', 'staticFiles.dir must be the folder to serve', { field: 'staticFiles.dir' });
}

/** The connection limits, checked as the server's own limits are (a misspelt name refused, not left unseen). */
function httpLimits(given: Partial<HttpLimits> | undefined): HttpLimits {
  const limits = limitsOver(DEFAULT_HTTP_LIMITS, given, 'limits', wholeFrom(0));
  if (limits.requestTimeout < limits.headersTimeout) {
    throw new AegisLogError('ERR_CONFIG', 'limits.requestTimeout must be at least limits.headersTimeout', { field: 'limits.requestTimeout' });
  }
  return limits;
}

/** A connection's requests: whether one is being answered, and the ones pipelined behind it. */
interface Line {
  busy: boolean;
  queued: (() => void)[];
  /** The request being answered (or last answered), and its answer. */
  req?: IncomingMessage;
  res?: ServerResponse;
}
const lines = new WeakMap<Socket, Line>();

/**
 * Answers a connection's requests one at a time, each once the answer before it
 * has been written out to the socket: Node starts the handler of every request it
 * parses, so a client that pipelined hundreds of requests and read nothing had
 * every answer built and held in memory at once.
 */
function inTurn(socket: Socket, req: IncomingMessage, res: ServerResponse, run: () => Promise<void>): void {
  let line = lines.get(socket);
  if (!line) lines.set(socket, (line = { busy: false, queued: [] }));
  const current = line;
  const go = (): void => {
    current.busy = true;
    current.req = req;
    current.res = res;
    let done = false;
    const next = (): void => {
      if (done) return;
      done = true;
      current.busy = false;
      if (socket.destroyed) current.queued.length = 0;
      current.queued.shift()?.();
    };
    void run().finally(() => {
      if (res.writableFinished || res.destroyed) return next();
      res.once('finish', next);
      res.once('close', next);
    });
  };
  if (!current.busy) go();
  else if (current.queued.length >= MAX_PIPELINED) socket.destroy();
  else current.queued.push(go);
}

/** Sockets whose current request has been answered: the rest of its body is being drained. */
const answered = new WeakSet<Socket>();

export function limitPerClient(server: ReturnType<typeof createHttpServer>, max: number): void {
  if (max === 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = clientOf(socket.remoteAddress ?? '');
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) return void socket.destroy();
    open.set(address, count);
    socket.once('close', () => {
      const left = open.get(address)! - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * The client a connection counts against: an IPv4 address whole (mapped into IPv6, as a dual-stack server sees
 * it, or not), an IPv6 address by its /64, which one client holds whole (2^64 addresses: one each, no limit).
 */
function clientOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const groups = (part: string) => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const [head = '', tail] = address.replace(/%.*$/, '').split('::');
  const before = groups(head);
  const after = tail === undefined ? [] : groups(tail);
  const full = [...before, ...new Array<string>(Math.max(0, 8 - before.length - after.length)).fill('0'), ...after];
  return `${full.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/** Methods that a WHATWG Request cannot carry. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

async function respond(
  handler: FetchHandler,
  options: ListenOptions,
  onError: (error: unknown, errorId: string) => void,
  limits: HttpLimits,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  answered.delete(req.socket);
  // sendTimeout is for a client that stops reading: while the handler works (a seal waiting for a lease
  // held elsewhere, a store waiting for a lock), the connection is quiet by the server's doing, and Node
  // would cut it with no answer. A body that stops arriving is requestTimeout's (Node checks it apart).
  const socket = req.socket;
  socket.setTimeout(0);
  const sending = () => socket.setTimeout(limits.sendTimeout);
  try {
    let response: Answer;
    let url: URL | undefined;
    try {
      // A target such as //checkpoint is a path (RFC 9112 origin-form); as a URL reference it would name a host.
      const target = req.url ?? '/';
      url = new URL(target.startsWith('//') ? `/.${target}` : target, `http://${req.headers.host ?? 'localhost'}`);
      // User info (`Host: user:pw@log.example`): no Host carries it (RFC 9110 §4.2.4, §7.2), and no Request can be made of it.
      if (url.username || url.password) url = undefined;
    } catch {
      // `Host: [::1` and the like: the client's mistake, not a failure of the server.
    }
    const method = req.method ?? 'GET';
    const files = options.staticFiles;
    if (!url) response = refusal(400, 'bad_request', 'the Host header or the request target is not a valid URL', 'host');
    else if (files && (url.pathname + '/').startsWith(files.prefix)) response = await staticResponse(files.dir, files.prefix, method, url.pathname);
    else {
      // The server's own handler answers JSON without making a Response of it (see answer.ts).
      const own = (handler as { [ANSWER]?: AnswerHandler })[ANSWER];
      if (FORBIDDEN_METHODS.has(method)) {
        // No Request can carry TRACE: the server's router, which reads only the method and URL of the bodyless
        // stand-in, answers with the route's own Allow (RFC 9110 §15.5.6), or 404; another handler cannot be asked.
        response = own ? await own(liteRequest(req, res, url)) : refusal(405, 'method_not_allowed', `${method} is not supported`, undefined, { allow: 'GET, POST, OPTIONS' });
      } else {
        response = await (own ?? handler)(method === 'GET' || method === 'HEAD' ? liteRequest(req, res, url) : toRequest(req, res, url));
      }
    }
    await write(response, req, res, sending);
  } catch (error) {
    // The handler answers its own errors: this is the adapter failing.
    sending();
    const errorId = randomUUID();
    onError(error, errorId); // guarded (listen): a logger that failed must still let the request be answered
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: { code: 'internal', message: 'internal error; the server log has the details', error_id: errorId } }));
    } else res.destroy();
  } finally {
    // Once the answer is out: Node itself discards an unread body then, without bound.
    if (res.writableFinished) drain(req, limits.drainBytes);
    else res.once('finish', () => drain(req, limits.drainBytes));
  }
}

function refusal(status: number, code: string, message: string, field?: string, headers: Record<string, string> = {}): Answer {
  return jsonAnswer(status, errorBody(code, message, field), headers);
}

/**
 * After the answer: the part of the body nobody read is read and thrown away
 * (up to `max` bytes), keeping the connection, so that a client still sending
 * gets to read the answer. Node's fetch reads it early and stops sending;
 * Python's requests and urllib send the whole body first. Cutting the connection
 * instead would make the client's kernel drop the answer (EPIPE, ECONNRESET).
 */
function drain(req: IncomingMessage, max: number): void {
  if (req.complete || req.destroyed) return;
  const socket = req.socket;
  answered.add(socket);
  bodies.get(req)?.detach();
  // A `Connection: close` request (Python's urllib, the original SDK's client, sends one every time):
  // Node ends the write side after the answer and destroys the socket once that is flushed, with the
  // rest of the body unread, and the client's kernel, reset, drops the answer (EPIPE instead of 413).
  // Close in stages instead (RFC 9112 §9.6): the write side at once, the connection once the body has
  // been read. Node closes through destroySoon, called before this or after it.
  let close = false;
  if (socket.listeners('finish').includes(socket.destroy)) {
    socket.removeListener('finish', socket.destroy);
    close = true;
  }
  socket.destroySoon = () => {
    close = true;
    if (socket.writable) socket.end();
  };
  req.once('end', () => {
    Reflect.deleteProperty(socket, 'destroySoon');
    if (close) socket.destroySoon();
  });
  let left = max;
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) socket.destroy();
  });
  req.resume();
}

/**
 * The request as a WHATWG Request. Its body is a stream the handler pulls, never
 * read ahead: a request without a valid key is answered before any of its body
 * is read (reading small bodies ahead cost no measurable CPU less per request).
 */
function toRequest(req: IncomingMessage, res: ServerResponse, url: URL, headers = headersOf(req)): Request {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(url, { method: req.method!, headers, signal: goneSignal(res), ...(hasBody ? { body: bodyOf(req, res), duplex: 'half' } : {}) } as RequestInit);
}

/**
 * Aborted when the connection closes before the answer was written out: the client went away.
 * `request.signal` is how a Web handler learns it (Deno, Bun and workerd abort it so), e.g. to
 * stop a long export rather than keep producing it for nobody.
 */
function goneSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const abort = () => {
    if (!res.writableFinished) controller.abort(new DOMException('the client closed the connection before the answer was sent', 'AbortError'));
  };
  // A GET's Request is built only when the handler first needs more than its URL and headers: maybe after the close.
  if (res.destroyed) abort();
  else res.once('close', abort);
  return controller.signal;
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/**
 * A bodyless request (GET, HEAD) as an object that is a Request to the handler
 * (`instanceof`, every member) but builds the real one only if the handler uses
 * more than its method, URL and headers: undici's Request, with its AbortSignal,
 * cost a fifth of a /healthz answer's CPU, and the routes read only those three.
 * The trick of @hono/node-server.
 */
function liteRequest(req: IncomingMessage, res: ServerResponse, url: URL): Request {
  const lite = Object.create(LITE_REQUEST) as LiteState;
  lite.req = req;
  lite.res = res;
  lite.parsed = url;
  return lite as unknown as Request;
}

interface LiteState {
  req: IncomingMessage;
  res: ServerResponse;
  parsed: URL;
  headersObject?: Headers;
  real?: Request;
}

const realOf = (lite: LiteState): Request => (lite.real ??= toRequest(lite.req, lite.res, lite.parsed, liteHeaders(lite)));
const liteHeaders = (lite: LiteState): Headers => (lite.headersObject ??= headersOf(lite.req));

const LITE_REQUEST: object = (() => {
  const proto = Object.create(Request.prototype) as object;
  for (const name of Object.getOwnPropertyNames(Request.prototype)) {
    if (name === 'constructor' || name === 'method' || name === 'url' || name === 'headers') continue;
    const d = Object.getOwnPropertyDescriptor(Request.prototype, name)!;
    if (typeof d.value === 'function') {
      Object.defineProperty(proto, name, { value(this: LiteState, ...args: unknown[]) { return (realOf(this) as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...args); } });
    } else if (d.get) {
      Object.defineProperty(proto, name, { get(this: LiteState) { return (realOf(this) as unknown as Record<string, unknown>)[name]; } });
    }
  }
  Object.defineProperty(proto, 'method', { get(this: LiteState) { return this.real ? this.real.method : this.req.method; } });
  Object.defineProperty(proto, 'url', { get(this: LiteState) { return this.real ? this.real.url : this.parsed.href; } });
  Object.defineProperty(proto, 'headers', { get(this: LiteState) { return this.real ? this.real.headers : liteHeaders(this); } });
  return proto;
})();

/** Requests whose client waits for "100 Continue" before it sends the body (see `checkContinue` in `listen`). */
const awaitingContinue = new WeakSet<IncomingMessage>();

/** The Web stream over a request's body, with a way to let go of the request (see `drain`). */
const bodies = new WeakMap<IncomingMessage, { detach(): void }>();

/**
 * The request body as a Web stream that reads from the socket only as the
 * handler pulls. A handler that stops early (body over its limit) cancels it;
 * the rest is drained once the answer is out.
 */
function bodyOf(req: IncomingMessage, res: ServerResponse): ReadableStream<Uint8Array> {
  let attached = true;
  // A client waiting for "100 Continue" sends nothing until told: told at the handler's first read (pull;
  // with a high-water mark of 0 the stream pulls only for a read, never ahead of one).
  let expecting = awaitingContinue.has(req);
  const strategy = expecting ? { highWaterMark: 0 } : undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      // enqueue and close throw once the handler has cancelled the stream; an event listener must not.
      const onData = (chunk: Buffer) => {
        try {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        } catch {
          req.pause();
        }
      };
      const onEnd = () => {
        try {
          controller.close();
        } catch {
          // cancelled
        }
      };
      const onError = (error: Error) => controller.error(error);
      req.on('data', onData);
      req.once('end', onEnd);
      req.once('error', onError);
      // The client went away before the end: without this the stream would wait forever.
      req.once('close', () => req.complete || controller.error(new Error('the client closed the connection mid-body')));
      bodies.set(req, {
        detach() {
          if (!attached) return;
          attached = false;
          req.off('data', onData);
          req.off('end', onEnd);
          req.off('error', onError);
        },
      });
      req.pause();
    },
    pull() {
      if (expecting) {
        expecting = false;
        if (!res.headersSent && !res.destroyed) res.writeContinue();
      }
      if (attached) req.resume();
    },
    cancel() {
      req.pause();
    },
  }, strategy);
}

/** undici keeps a Response's body as given (string, bytes) beside the stream it makes of it: see `bodySource`. */
const STATE = Reflect.ownKeys(new Response('')).find((k): k is symbol => typeof k === 'symbol' && k.description === 'state');

/**
 * The body of a Response made from a string or bytes, untouched so far, as it was
 * given: written to the socket in one call, without reading undici's stream of it
 * chunk by chunk over promises (as @hono/node-server does). Undefined otherwise
 * (a stream, a used body, a runtime whose Response keeps no such state).
 */
function bodySource(response: Response): string | Uint8Array | undefined {
  if (STATE === undefined || response.bodyUsed) return undefined;
  const body = (response as unknown as Record<symbol, { body?: { source?: unknown; stream?: ReadableStream } } | undefined>)[STATE]?.body;
  if (!body || body.stream?.locked) return undefined;
  const source = body.source;
  return typeof source === 'string' || source instanceof Uint8Array ? source : undefined;
}

/**
 * Writes an answer. `sending` arms the connection's sendTimeout, which runs only while the answer waits
 * on the client: not while a streamed body's next part is being made (an export waiting out its key's rate).
 */
async function write(response: Answer, req: IncomingMessage, res: ServerResponse, sending: () => void): Promise<void> {
  sending();
  if (response instanceof JsonAnswer) {
    const { parts } = response;
    if (parts.length === 1) res.writeHead(response.status, response.headers);
    else res.writeHead(response.status, { ...response.headers, 'content-length': String(parts.reduce((n, part) => n + Buffer.byteLength(part), 0)) });
    if (!req.complete) answered.add(req.socket);
    // A HEAD answer has the GET's headers and no body; Node leaves the body out of a HEAD response itself.
    // Parts are written one by one, each made bytes on its own (see JsonAnswer).
    for (let i = 0; i < parts.length - 1; i++) res.write(parts[i]);
    return void res.end(parts[parts.length - 1]);
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  res.writeHead(response.status, headers);
  if (!req.complete) answered.add(req.socket);
  if (!response.body) return void res.end();
  // The same framing as the streamed path (chunked), in one write.
  const source = bodySource(response);
  if (source !== undefined) return void res.end(source);
  if (req.method === 'HEAD') {
    // Node sends no body for HEAD: a streamed one (an export, a tenant's heads) is not made only to be dropped.
    await response.body.cancel().catch(() => {});
    return void res.end();
  }
  if (res.destroyed) {
    // The client left while the answer was made: its 'close' has fired already, and a write would wait
    // for a drain that never comes, holding the body (an export's store reads) for good.
    await response.body.cancel().catch(() => {});
    return;
  }
  const reader = response.body.getReader();
  const closed = once(res, 'close');
  res.once('close', () => void reader.cancel().catch(() => {}));
  for (;;) {
    req.socket.setTimeout(0);
    const { done, value } = await reader.read();
    sending();
    if (done) break;
    if (!res.write(value)) await Promise.race([once(res, 'drain'), closed]);
    if (res.destroyed) return;
  }
  res.end();
}
