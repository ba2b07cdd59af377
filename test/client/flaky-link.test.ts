// A flaky link: a real HTTP proxy on 127.0.0.1 in front of the reference server fails a third of
// the ingest requests: 503, 429 with Retry-After, a reset connection, and an answer lost after the
// server stored the batch. Every event must be stored exactly once (read back through /export).
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AegisLog } from '../../src/index.js';
import { INGEST_KEY, TENANT, countBy, storedIds } from './helpers.js';
import { startProxy, startServer, type RealServer } from './node-server.js';

type Fault = 'pass' | '503' | '429' | 'reset' | 'lost-answer';
/** Four faults in every twelve ingest requests: a third. */
const CYCLE: Fault[] = ['503', 'pass', 'pass', '429', 'pass', 'pass', 'reset', 'pass', 'pass', 'lost-answer', 'pass', 'pass'];

let server: RealServer;
let proxyUrl: string;
let stopProxy: () => Promise<void>;
const seen = new Map<Fault, number>();

beforeAll(async () => {
  server = await startServer();
  const upstream = new URL(server.url);
  let n = 0;
  const proxy = await startProxy((req, res) => {
    const ingest = req.url?.startsWith('/ingest') ?? false;
    const fault: Fault = ingest ? CYCLE[n++ % CYCLE.length]! : 'pass';
    seen.set(fault, (seen.get(fault) ?? 0) + 1);
    if (fault === '503') return void req.resume().on('end', () => res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream busy'));
    if (fault === '429') {
      return void req.resume().on('end', () =>
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"error":{"code":"rate_limited","message":"slow down"}}'));
    }
    if (fault === 'reset') return void req.socket.destroy();
    forward(req, res, upstream, fault === 'lost-answer');
  });
  proxyUrl = proxy.url;
  stopProxy = proxy.stop;
});

afterAll(async () => {
  await stopProxy();
  await server.stop();
});

/** Passes the request on; with `loseAnswer`, waits for the whole answer (the server has stored the batch) and drops the connection instead. */
function forward(req: IncomingMessage, res: ServerResponse, upstream: URL, loseAnswer: boolean): void {
  const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    const chunks: Buffer[] = [];
    answer.on('data', (c: Buffer) => chunks.push(c));
    answer.on('end', () => {
      if (loseAnswer) return void res.socket?.destroy();
      res.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(chunks));
    });
  });
  out.on('error', () => res.socket?.destroy());
  req.pipe(out);
}

it('stores every event exactly once through a link that fails a third of ingest requests', async () => {
  const log = new AegisLog({
    endpoint: proxyUrl, tenantId: TENANT, apiKey: INGEST_KEY, batchSize: 25, flushInterval: 10, maxQueueSize: 10_000,
    timeout: 2000, retry: { attempts: 20, baseDelay: 2, maxDelay: 20, maxRetryAfter: 25 }, onError: () => {},
  });
  const ids: string[] = [];
  for (let burst = 0; burst < 12; burst++) {
    for (let i = 0; i < 100; i++) ids.push(log.record('flaky_link', { burst, i }));
    ids.push((await log.recordSync('flaky_link_sync', { burst })).event_id);
    await new Promise((r) => setTimeout(r, 15));
  }
  // Bounded: the loop's own retries do the work; a few explicit flushes at most.
  for (let i = 0; i < 10 && log.stats().queued > 0; i++) await log.flush();
  await log.close();

  expect(log.stats()).toMatchObject({ queued: 0, inFlight: 0, dropped: 0, deadLettered: 0 });
  expect(log.stats().retried).toBeGreaterThan(0);
  for (const fault of ['503', '429', 'reset', 'lost-answer'] as const) expect(seen.get(fault) ?? 0).toBeGreaterThan(0);
  const counts = countBy(await storedIds((url, init) => fetch(url, init), server.url));
  expect(counts.size).toBe(ids.length);
  for (const id of ids) expect(counts.get(id)).toBe(1);
});
