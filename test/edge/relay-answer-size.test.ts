// The relay reads the upstream's answer to check it (a receipt, `{"receipts","errors"}`, an error in the
// API's words). An answer of the API's ingest routes is small (500 receipts or errors of well under 2 KB
// each), but the relay read whatever came, whole, into memory: an `endpoint` that leads elsewhere (a file, a
// stream) or anything in between could fill a Worker's 128 MB, and a 200 of megabytes of blanks before a
// receipt was even passed on to the browser. Against a real upstream on 127.0.0.1 that writes only as the
// relay reads (backpressure): the relay stops reading past its bound and answers 502 bad_gateway.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRelay } from '../../src/edge/index.js';
import { event } from './upstream.js';

const APP = 'https://app.example.com';
const CHUNK = Buffer.alloc(64 * 1024, 0x20);
/** What the upstream would write in all: far over the relay's bound (4 MiB), small enough to read whole. */
const TOTAL = 24 * 1024 * 1024;
const open: Server[] = [];

afterEach(async () => {
  for (const server of open.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

/**
 * An upstream answering each request `status` with TOTAL bytes of blanks (JSON's whitespace), then `tail`,
 * written as the reader takes them. `answers` resolve with how many bytes each answer wrote before it ended
 * or its connection closed.
 */
async function bulkyUpstream(status: number, tail: (path: string) => string, headers: Record<string, string> = {}) {
  const answers: Promise<number>[] = [];
  const server = createServer((req, res) => {
    req.resume();
    answers.push(new Promise<number>((done) => void write(req.url ?? '', res, done)));
  });
  async function write(path: string, res: ServerResponse, done: (n: number) => void) {
    let written = 0;
    let closed = false;
    res.on('close', () => (closed = true));
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    while (written < TOTAL && !closed) {
      written += CHUNK.length;
      if (!res.write(CHUNK)) await new Promise((ok) => (res.once('drain', ok), res.once('close', ok)));
    }
    if (!closed) res.end(tail(path));
    done(written);
  }
  open.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, answers };
}

const post = (path: string, body: unknown) =>
  new Request(`https://relay.example.com/aegislog${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: APP }, body: JSON.stringify(body) });

describe('relay: an upstream answer larger than any answer of the API', () => {
  it('a 200 of megabytes (blanks, then a receipt): 502 bad_gateway, the answer not read whole nor passed on', async () => {
    const e = event();
    const receipt = JSON.stringify({ ok: true, event_id: e.event_id });
    const upstream = await bulkyUpstream(200, (path) => (path.endsWith('/batch') ? JSON.stringify({ receipts: [JSON.parse(receipt)], errors: [] }) : receipt));
    const relay = createRelay({ endpoint: upstream.url, apiKey: 'sk_ingest', allowedOrigins: [APP], timeout: 60_000 });
    for (const request of [post('/ingest', e), post('/ingest/batch', { events: [e] })]) {
      const res = await relay(request);
      const text = await res.text();
      expect({ status: res.status, length: text.length, code: text.length < 1000 ? JSON.parse(text).error?.code : undefined }).toEqual({ status: 502, length: expect.any(Number), code: 'bad_gateway' });
    }
    const written = await Promise.all(upstream.answers);
    for (const n of written) expect(n).toBeLessThan(TOTAL);
  });

  it('guard: a 503 of megabytes keeps its status and Retry-After, in the relay\'s words', async () => {
    const upstream = await bulkyUpstream(503, () => '<html>maintenance</html>', { 'retry-after': '7', 'content-type': 'text/html' });
    const relay = createRelay({ endpoint: upstream.url, apiKey: 'sk_ingest', allowedOrigins: [APP], timeout: 60_000 });
    const res = await relay(post('/ingest', event()));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');
  });
});
