// A poison event: one that the server always answers 5xx (it crashes the server's handler), in front
// of others it would store. A real HTTP proxy on 127.0.0.1 in front of the reference server answers
// 500 to every ingest request that holds a poison event_id and passes the rest on. Found in review,
// 2026-12-06: every flush sent the same oldest batch, got 500, and nothing behind it was ever delivered.
// The same with no status at all: a WAF that resets the connection on seeing an event, or a server process
// that dies on it. The proxy then destroys the socket (no answer); the client saw a link failure and held
// every event behind it for ever (found 2026-12-06).
import { request } from 'node:http';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { AegisLog, memoryQueue, type AegisLogError } from '../../src/index.js';
import { INGEST_KEY, TENANT, storedIds } from './helpers.js';
import { startProxy, startServer, type RealServer } from './node-server.js';

/** Two poison events: the oldest of the queue, and one in the middle of it. */
const POISON = ['00000000-0000-4000-8000-00000000dead', '00000000-0000-4000-8000-00000000beef'];

let server: RealServer;
let proxyUrl: string;
let stopProxy: () => Promise<void>;
/** Ingest requests the proxy answered 500, by how many events they held. */
const poisoned: number[] = [];
/** While true, the proxy answers every ingest request 503 (an outage, not a poison event); `requests` counts them all. */
let down = false;
let requests = 0;
/** An event whose request the proxy drops with no answer; `unplugged`: every ingest request dropped (a link that is down). */
const DROPS = '00000000-0000-4000-8000-0000000000ff';
let unplugged = false;
/** Ingest requests dropped for holding DROPS, by how many events they held. */
const dropped: number[] = [];

beforeAll(async () => {
  server = await startServer();
  const upstream = new URL(server.url);
  const proxy = await startProxy((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString();
      if (req.url?.startsWith('/ingest')) requests++;
      if (down && req.url?.startsWith('/ingest')) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      if (unplugged && req.url?.startsWith('/ingest')) return void req.socket.destroy();
      if (text.includes(DROPS)) {
        dropped.push(req.url === '/ingest/batch' ? (JSON.parse(text) as { events: unknown[] }).events.length : 1);
        return void req.socket.destroy();
      }
      if (POISON.some((id) => text.includes(id))) {
        poisoned.push(req.url === '/ingest/batch' ? (JSON.parse(text) as { events: unknown[] }).events.length : 1);
        return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"internal","message":"handler crashed"}}');
      }
      const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.socket?.destroy());
      out.end(body);
    });
  });
  proxyUrl = proxy.url;
  stopProxy = proxy.stop;
});

/**
 * Counts the backoff waits of the delivery loop without timing anything: the jitter pinned (Math.random at 0.5,
 * so with baseDelay = maxDelay = 3 every backoff is 1.5 ms, a delay nothing else here asks setTimeout for).
 */
function countBackoffs(): { count(): number; restore(): void } {
  const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
  const timers = vi.spyOn(globalThis, 'setTimeout');
  return {
    count: () => timers.mock.calls.filter(([, ms]) => ms === 1.5).length,
    restore: () => (random.mockRestore(), timers.mockRestore()),
  };
}
const PINNED_RETRY = { attempts: 3, baseDelay: 3, maxDelay: 3, maxRetryAfter: 4 };

afterAll(async () => {
  await stopProxy();
  await server.stop();
});

it('delivers the events a poison event would hold up; the poison events stay queued, reported, and are retried alone', async () => {
  const queue = memoryQueue();
  const errors: [AegisLogError, string[] | undefined][] = [];
  const log = new AegisLog({
    endpoint: proxyUrl, tenantId: TENANT, apiKey: INGEST_KEY, batchSize: 1000, flushInterval: 0, queue,
    retry: { attempts: 3, baseDelay: 1, maxDelay: 4, maxRetryAfter: 4 }, onError: (error, ids) => errors.push([error, ids]),
  });
  const good: string[] = [];
  log.record('crashes_the_server', {}, { event_id: POISON[0] });
  for (let i = 0; i < 60; i++) good.push(log.record('fine', { i }));
  log.record('crashes_the_server', {}, { event_id: POISON[1] });
  for (let i = 60; i < 100; i++) good.push(log.record('fine', { i }));
  await log.durable();

  // Bounded: each flush gives up after its retries; what it narrowed down carries on into the next.
  for (let i = 0; i < 12 && log.stats().queued > POISON.length; i++) await log.flush();
  expect(new Set(await storedIds((url, init) => fetch(url, init), server.url))).toEqual(new Set(good));

  // Never dropped (PROTOCOL.md §8: a 5xx is retried): still queued, reported with their ids as the server's 5xx.
  expect((await queue.list('q', 10)).map((e) => e.event_id).sort()).toEqual([...POISON].sort());
  expect(log.stats()).toMatchObject({ queued: 2, sent: good.length, dropped: 0, deadLettered: 0 });
  const reported = errors.filter(([e]) => (e as { status?: number }).status === 500).flatMap(([, ids]) => ids ?? []);
  for (const id of POISON) expect(reported).toContain(id);

  // Once found, each is sent again alone, once a flush (the flushes back off), and holds nothing up.
  poisoned.length = 0;
  const later = log.record('fine', { after: true });
  const result = await log.flush();
  expect(result).toMatchObject({ sent: 1, remaining: 2, error: { status: 500 } });
  expect(poisoned).toEqual([1, 1]);
  expect(await storedIds((url, init) => fetch(url, init), server.url)).toContain(later);
  await log.close();
});

it('a server that fails everything is no poison: each flush gives up after its retries, and once back, whole batches go', async () => {
  const errors: AegisLogError[] = [];
  const log = new AegisLog({
    endpoint: proxyUrl, tenantId: TENANT, apiKey: INGEST_KEY, batchSize: 1000, flushInterval: 0,
    retry: PINNED_RETRY, onError: (error) => errors.push(error),
  });
  const ids = Array.from({ length: 10 }, (_, i) => log.record('outage', { i }));
  down = true;
  const backoffs = countBackoffs();
  try {
    for (let flush = 0; flush < 4; flush++) {
      requests = 0;
      const before = backoffs.count();
      expect(await log.flush()).toMatchObject({ sent: 0, remaining: 10, error: { status: 503 } });
      expect(requests, 'the first try and its 3 retries, no probing event by event').toBe(4);
      expect(backoffs.count() - before, 'each retry after its backoff, as before: a batch narrowed down to one event too').toBe(3);
    }
  } finally {
    down = false;
    backoffs.restore();
  }
  requests = 0;
  expect(await log.flush()).toMatchObject({ sent: 10, remaining: 0 });
  expect(requests, 'what the outage narrowed down widens again at once').toBeLessThanOrEqual(2);
  expect(await storedIds((url, init) => fetch(url, init), server.url)).toEqual(expect.arrayContaining(ids));
  await log.close();
});

it('an event whose request drops the connection (no status) is isolated like a 5xx: the others are delivered', async () => {
  const queue = memoryQueue();
  const errors: [AegisLogError, string[] | undefined][] = [];
  const log = new AegisLog({
    endpoint: proxyUrl, tenantId: TENANT, apiKey: INGEST_KEY, batchSize: 1000, flushInterval: 0, queue,
    retry: { attempts: 3, baseDelay: 1, maxDelay: 4, maxRetryAfter: 4 }, onError: (error, ids) => errors.push([error, ids]),
  });
  log.record('resets_the_connection', {}, { event_id: DROPS });
  const good = Array.from({ length: 100 }, (_, i) => log.record('fine', { i }));
  await log.durable();

  for (let i = 0; i < 12 && log.stats().queued > 1; i++) await log.flush();
  expect(await storedIds((url, init) => fetch(url, init), server.url)).toEqual(expect.arrayContaining(good));
  expect((await queue.list('q', 10)).map((e) => e.event_id)).toEqual([DROPS]);
  expect(log.stats()).toMatchObject({ queued: 1, dropped: 0, deadLettered: 0 });
  expect(errors.filter(([e]) => e.code === 'ERR_NETWORK').flatMap(([, ids]) => ids ?? [])).toContain(DROPS);

  // Known now: sent alone once a flush, and holds nothing up.
  dropped.length = 0;
  const later = log.record('fine', { after: true });
  expect(await log.flush()).toMatchObject({ sent: 1, remaining: 1, error: { code: 'ERR_NETWORK' } });
  expect(dropped).toEqual([1]);
  expect(await storedIds((url, init) => fetch(url, init), server.url)).toContain(later);
  await log.close();
});

it('a link that drops every request is no poison: each flush gives up after its retries, and once back, whole batches go', async () => {
  const log = new AegisLog({
    endpoint: proxyUrl, tenantId: TENANT, apiKey: INGEST_KEY, batchSize: 1000, flushInterval: 0,
    retry: PINNED_RETRY, onError: () => {},
  });
  const ids = Array.from({ length: 10 }, (_, i) => log.record('unplugged', { i }));
  unplugged = true;
  const backoffs = countBackoffs();
  try {
    for (let flush = 0; flush < 4; flush++) {
      requests = 0;
      const before = backoffs.count();
      expect(await log.flush()).toMatchObject({ sent: 0, remaining: 10, error: { code: 'ERR_NETWORK', status: 0 } });
      expect(requests, 'the first try and its 3 retries, no probing event by event').toBe(4);
      expect(backoffs.count() - before, 'each retry after its backoff, as before').toBe(3);
    }
  } finally {
    unplugged = false;
    backoffs.restore();
  }
  requests = 0;
  const back = await log.flush();
  expect(back).toMatchObject({ sent: 10, remaining: 0 });
  expect(back.error).toBeUndefined();
  expect(requests, 'nothing was set aside: what the outage narrowed down widens again at once').toBeLessThanOrEqual(2);
  expect(await storedIds((url, init) => fetch(url, init), server.url)).toEqual(expect.arrayContaining(ids));
  await log.close();
});
