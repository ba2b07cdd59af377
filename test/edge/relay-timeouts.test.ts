// The relay's own deadlines, against real sockets on 127.0.0.1: an upstream that takes the request and
// never answers (the relay's `timeout` fires: 504), and a browser that sends part of its body and stalls
// (the relay's `bodyTimeout` fires: 408). No sleeps: each test waits for the answer, its deadline small.
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRelay } from '../../src/edge/index.js';
import { exchange } from '../../src/transport/http.js';
import { serve } from './serve.js';
import { event } from './upstream.js';

const APP = 'https://app.example.com';
const open: Server[] = [];

afterEach(async () => {
  for (const server of open.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

async function listening(server: Server): Promise<string> {
  open.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An upstream that reads each request whole and never answers it; `received` resolves on the first. */
async function silentUpstream() {
  let arrived!: () => void;
  const received = new Promise<void>((ok) => (arrived = ok));
  const url = await listening(createServer((req) => void req.resume().on('end', arrived)));
  return { url, received };
}

const post = (path: string, body: unknown) =>
  new Request(`https://relay.example.com/aegislog${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: APP }, body: JSON.stringify(body) });

describe('relay: an upstream that takes the request and never answers', () => {
  it('answers 504 gateway_timeout once its timeout passes, on both routes (RFC 9110 §15.6.5), and the browser retries it', async () => {
    const upstream = await silentUpstream();
    const relay = createRelay({ endpoint: upstream.url, apiKey: 'sk_ingest', allowedOrigins: [APP], timeout: 100 });
    for (const request of [post('/ingest/batch', { events: [event()] }), post('/ingest', event())]) {
      const res = await relay(request);
      expect(res.status).toBe(504);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(await res.json()).toEqual({ error: { code: 'gateway_timeout', message: 'the AegisLog API did not answer the relay within 100 ms' } });
    }
    // The browser client keeps the events and sends them again, as for any 5xx.
    const relayed = (_: string, init: RequestInit) => relay(new Request('https://relay.example.com/aegislog/ingest/batch', init));
    const retry = { attempts: 0, baseDelay: 1, maxDelay: 1, maxRetryAfter: 1 };
    const outcome = await exchange('/aegislog/ingest/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: [event()] }) }, { fetch: relayed, timeout: 5_000, retry });
    expect({ kind: outcome.kind, status: outcome.kind === 'ok' ? 0 : outcome.error.status }).toEqual({ kind: 'retry', status: 504 });
    await upstream.received;
  });

  it('keeps 502 bad_gateway for an upstream that cannot be reached', async () => {
    const closed = await listening(createServer());
    const relay = createRelay({ endpoint: closed, apiKey: 'sk_ingest', allowedOrigins: [APP], timeout: 5_000 });
    open.pop()!.close();
    const res = await relay(post('/ingest', event()));
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_gateway');
  });
});

describe('relay: a browser that sends part of its body and stalls (slowloris)', () => {
  it('answers 408 request_timeout once bodyTimeout passes, in the words of the Node server, forwarding nothing', async () => {
    // The relay behind a plain node:http server, as an Express or Hono adapter mounts a fetch handler:
    // nothing there bounds the body but Node's requestTimeout (300 s by default; 0 in Fastify).
    let forwarded = 0;
    const relay = createRelay({ endpoint: 'https://api.example.com', apiKey: 'sk_ingest', allowedOrigins: [APP], bodyTimeout: 100, fetch: async () => (forwarded++, Response.json({})) });
    const served = await serve(relay);
    try {
      const { port } = new URL(served.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.write(`POST /aegislog/ingest/batch HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\norigin: ${APP}\r\nconnection: close\r\ncontent-length: 1000\r\n\r\n{"events":[`);
      let answer = '';
      // The answer ends the connection (`connection: close`): read until then.
      await new Promise<void>((done, fail) => {
        socket.on('data', (chunk) => void (answer += chunk.toString('latin1')));
        socket.on('error', fail);
        socket.on('close', () => done());
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      expect(JSON.parse(/\{.*\}/s.exec(body)![0])).toEqual({ error: { code: 'request_timeout', message: 'the request took too long to arrive' } });
      expect(forwarded).toBe(0);
    } finally {
      await served.close();
    }
  });

  it('refuses a bodyTimeout that is not a number of ms ≥ 1', () => {
    for (const bodyTimeout of [Number.NaN, 0, -5, Infinity]) {
      expect(() => createRelay({ endpoint: 'https://api.example.com', apiKey: 'k', allowedOrigins: [], bodyTimeout })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', field: 'bodyTimeout' }));
    }
  });
});
