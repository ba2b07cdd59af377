// The relay's own deadlines, against real sockets on 127.0.0.1: an upstream that takes the request and
// never answers (the relay's `timeout` fires: 504), and a browser that sends part of its body and stalls
// (the relay's `bodyTimeout` fires: 408). No sleeps: each test waits for the answer, its deadline small.
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRelay } from '../../src/edge/index.js';
import { exchange } from '../../src/transport/http.js';
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
