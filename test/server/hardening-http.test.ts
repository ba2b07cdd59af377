// Issue 11, the Node adapter (src/server/node-http.ts): client mistakes are 4xx and never logged
// as failures, a 5xx is logged with the id it answers, connections per client are limited,
// timeouts end slow requests, and a refused body is drained (bounded) so that the client reads
// the answer. Real sockets on 127.0.0.1; 127.0.0.2 plays a second client address.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, listen, localSigner, memoryStore } from '../../src/server/node.js';
import type { ListenOptions, NodeServerHandle } from '../../src/server/node.js';
import { KEYS, KEY_CONFIG, ORIGIN } from './helpers.js';

const logged: { error: unknown; id: string }[] = [];
let http: NodeServerHandle;
const serverErrors: string[] = [];

async function serve(options: ListenOptions = {}): Promise<NodeServerHandle> {
  const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: ORIGIN, keys: KEY_CONFIG, onError: (_e, id) => serverErrors.push(id) });
  await server.ready;
  return listen(server, { port: 0, onError: (error, id) => logged.push({ error, id }), ...options });
}

beforeAll(async () => {
  http = await serve({ limits: { drainBytes: 1024 * 1024 } });
});
afterAll(() => http.close());

/** Opens a raw TCP connection (from `localAddress` if given) and resolves once connected. */
function open(url: string, localAddress?: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const socket = connect({ host: hostname, port: Number(port), ...(localAddress ? { localAddress } : {}) }, () => done(socket));
    socket.once('error', fail);
  });
}

/** Writes raw bytes and collects what comes back until the server closes or `until` matches. */
async function exchange(url: string, raw: string | Buffer, until?: RegExp): Promise<string> {
  const socket = await open(url);
  return new Promise((done) => {
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (until?.test(text)) socket.destroy(), done(text);
    });
    socket.on('error', () => {});
    socket.on('close', () => done(text));
    socket.write(raw);
  });
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
/** The JSON body of a raw answer, chunked (the adapter streams bodies) or not. */
function bodyOf(answer: string): { error: { code: string; field?: string } } {
  let body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  if (/\r\ntransfer-encoding: chunked\r\n/i.test(answer)) {
    let out = '';
    for (let at = 0; ; ) {
      const eol = body.indexOf('\r\n', at);
      const size = parseInt(body.slice(at, eol), 16);
      if (!size) break;
      out += body.slice(eol + 2, eol + 2 + size);
      at = eol + 4 + size;
    }
    body = out;
  }
  return JSON.parse(body);
}

describe('client mistakes are 4xx, never logged as the server failing', () => {
  test('TRACE → 405 with the route’s Allow, or 404 (it was a 500); a bad Host → 400', async () => {
    const trace = await exchange(http.url, 'TRACE /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(statusOf(trace)).toBe(405);
    expect(bodyOf(trace).error.code).toBe('method_not_allowed');
    // The route's own methods (RFC 9110 §15.5.6), as for any other method it does not take.
    expect(trace).toMatch(/\r\nallow: GET, HEAD\r\n/i);
    const ingest = await exchange(http.url, 'TRACE /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(statusOf(ingest)).toBe(405);
    expect(ingest).toMatch(/\r\nallow: POST, OPTIONS\r\n/i);
    const nowhere = await exchange(http.url, 'TRACE /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(statusOf(nowhere)).toBe(404);
    expect(bodyOf(nowhere).error.code).toBe('not_found');
    const host = await exchange(http.url, 'GET /healthz HTTP/1.1\r\nHost: [::1\r\nConnection: close\r\n\r\n');
    expect(statusOf(host)).toBe(400);
    expect(bodyOf(host).error).toMatchObject({ code: 'bad_request', field: 'host' });
    const ipv6 = await exchange(http.url, 'GET /healthz HTTP/1.1\r\nHost: [::1]:80\r\nConnection: close\r\n\r\n');
    expect(statusOf(ipv6)).toBe(200);
    expect(logged).toEqual([]);
    expect(serverErrors).toEqual([]);
  });

  test('what Node cannot parse → 400 in the API’s JSON; headers too large → 431', async () => {
    const garbage = await exchange(http.url, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(statusOf(garbage)).toBe(400);
    expect(bodyOf(garbage).error.code).toBe('bad_request');
    const huge = await exchange(http.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(statusOf(huge)).toBe(431);
    expect(logged).toEqual([]);
  });

  test('a body cut off mid-stream → the handler answers 400 (nobody reads it); nothing is logged as a failure', async () => {
    const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: ORIGIN, keys: KEY_CONFIG, onError: (_e, id) => serverErrors.push(id) });
    let arrived!: () => void;
    const inHandler = new Promise<void>((r) => (arrived = r));
    let answered!: (status: number) => void;
    const answer = new Promise<number>((r) => (answered = r));
    const wrapped = await listen(async (request) => {
      arrived();
      const response = await server(request);
      answered(response.status);
      return response;
    }, { port: 0, onError: (error, id) => logged.push({ error, id }) });
    try {
      const socket = await open(wrapped.url);
      socket.on('error', () => {});
      socket.write(`POST /ingest HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${KEYS.ingest}\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n{"event_type":`);
      await inHandler;
      socket.destroy();
      expect(await answer).toBe(400);
      expect(logged).toEqual([]);
      expect(serverErrors).toEqual([]);
    } finally {
      await wrapped.close();
    }
  });

  test('an adapter failure (a handler that throws) → 500 with an error_id, logged with the same id', async () => {
    const seen: { error: unknown; id: string }[] = [];
    const broken = await listen(async () => {
      throw new Error('boom');
    }, { port: 0, onError: (error, id) => seen.push({ error, id }) });
    try {
      const response = await fetch(`${broken.url}/x`);
      const body = (await response.json()) as { error: { code: string; error_id: string; message: string } };
      expect(response.status).toBe(500);
      expect(body.error.code).toBe('internal');
      expect(body.error.message).not.toContain('boom');
      expect(seen.map((s) => s.id)).toEqual([body.error.error_id]);
      expect((seen[0]!.error as Error).message).toBe('boom');
    } finally {
      await broken.close();
    }
  });
});

describe('connections and timeouts', () => {
  test('at most maxConnectionsPerClient connections per address: more are closed at once; another address is served', async () => {
    const server = await serve({ limits: { maxConnectionsPerClient: 3 } });
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) sockets.push(await open(server.url, '127.0.0.2'));
      const extra = await open(server.url, '127.0.0.2');
      sockets.push(extra);
      const closed = await new Promise<boolean>((done) => {
        extra.on('error', () => {});
        extra.once('close', () => done(true));
        extra.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        extra.once('data', () => done(false));
      });
      expect(closed).toBe(true);
      // The first three still work, and 127.0.0.1 is another client.
      const answer = await new Promise<string>((done) => {
        sockets[0]!.once('data', (d: Buffer) => done(d.toString()));
        sockets[0]!.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      expect(statusOf(answer)).toBe(200);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      // A closed connection frees its slot.
      sockets[1]!.destroy();
      for (let i = 0; i < 100; i++) {
        const again = await open(server.url, '127.0.0.2');
        sockets.push(again);
        const served = await new Promise<boolean>((done) => {
          again.on('error', () => {});
          again.once('close', () => done(false));
          again.once('data', () => done(true));
          again.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        });
        if (served) break;
        expect(i).toBeLessThan(99);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await server.close();
    }
  });

  test('headers that never end → 408 once headersTimeout passes, and the connection is closed', async () => {
    const server = await serve({ limits: { headersTimeout: 500, requestTimeout: 1000 } });
    try {
      const answer = await exchange(server.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: '); // never finished
      expect(statusOf(answer)).toBe(408);
      expect(bodyOf(answer).error.code).toBe('request_timeout');
    } finally {
      await server.close();
    }
  });

  test('a body that trickles in → cut after requestTimeout (the key never helped)', async () => {
    const server = await serve({ limits: { headersTimeout: 500, requestTimeout: 1000 } });
    try {
      const socket = await open(server.url);
      socket.on('error', () => {});
      socket.write(`POST /ingest HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${KEYS.ingest}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`);
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString()));
      // One byte per turn of the test's loop until the server closes: bounded by count.
      let closed = false;
      socket.once('close', () => (closed = true));
      for (let i = 0; i < 100_000 && !closed; i++) {
        socket.write(' ');
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(closed).toBe(true);
      expect(received === '' || statusOf(received) === 408 || statusOf(received) === 400).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe('a body refused before it was read', () => {
  test('a request without a key is answered 401 before any of its body arrives (a small body used to be read first)', async () => {
    const answer = await exchange(http.url, 'POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n', /\r\n0\r\n\r\n$/);
    expect(statusOf(answer)).toBe(401);
  });

  test('the answer is sent at once, then the rest is read and dropped, keeping the connection (a second request on it works)', async () => {
    const server = await serve();
    const socket = await open(server.url);
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.write(`POST /ingest/batch HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${KEYS.ingest}\r\nContent-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`);
    // The whole answer (its last chunk too) arrives before the client has sent any of the body.
    for (let i = 0; i < 500 && !text.endsWith('\r\n0\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(statusOf(text)).toBe(413);
    // The client, like Python's requests, goes on sending the whole body, then reuses the connection.
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let sent = 0; sent < 2 * 1024 * 1024; sent += chunk.length) {
      if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
    }
    text = '';
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let i = 0; i < 500 && !text.includes('"ok":true'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(statusOf(text)).toBe(200);
    socket.destroy();
    await server.close();
  });

  test('draining is bounded: past drainBytes (1 MiB here) the connection is cut', async () => {
    const socket = await open(http.url);
    socket.on('error', () => {});
    let closed = false;
    socket.once('close', () => (closed = true));
    socket.write(`POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    for (; sent < 64 * 1024 * 1024 && !closed; sent += chunk.length) {
      if (!socket.write(chunk)) await new Promise((r) => (socket.once('drain', r), socket.once('close', r)));
    }
    for (let i = 0; i < 500 && !closed; i++) await new Promise((r) => setTimeout(r, 10));
    expect(closed).toBe(true);
    expect(sent).toBeLessThan(16 * 1024 * 1024);
  });
});

test('the adapter writes JSON answers as the server\'s fetch makes them: status, headers and bytes; HEAD (the GET\'s status and headers) without a body', async () => {
  const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: ORIGIN, keys: KEY_CONFIG });
  const served = await listen(server, { port: 0 });
  try {
    const viaFetch = async (path: string, method: string) => server.fetch(new Request(`${served.url}${path}`, { method, headers: { 'x-api-key': KEYS.read } }));
    const viaSocket = (path: string, method: string) => fetch(`${served.url}${path}`, { method, headers: { 'x-api-key': KEYS.read } });
    for (const [path, status] of [['/healthz', 200], ['/checkpoint', 200], ['/evidence/no-such-event', 404], ['/nowhere', 404]] as const) {
      for (const method of ['GET', 'HEAD']) {
        const [a, b] = await Promise.all([viaFetch(path, method), viaSocket(path, method)]);
        // HEAD answers as GET does (it was 405 on every route): RFC 9110 §9.3.2.
        expect([a.status, b.status], `${method} ${path}`).toEqual([status, status]);
        for (const name of ['content-type', 'cache-control']) expect(b.headers.get(name), `${method} ${path} ${name}`).toBe(a.headers.get(name));
        const [textA, textB] = [await a.text(), await b.text()];
        if (method === 'HEAD') expect([textB, b.headers.get('content-type')]).toEqual(['', (await viaFetch(path, 'GET')).headers.get('content-type')]);
        else if (path === '/healthz') expect(JSON.parse(textB)).toMatchObject({ ok: true });
        else expect(textB).toBe(textA);
      }
    }
  } finally {
    await served.close();
  }
});
