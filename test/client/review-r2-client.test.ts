// Faults of the client's delivery and loss paths found in the round-2 review (2026-12-07), each against the
// reference server's own handler in-process, or a store or fetch scripted to answer as a proxy might.
import { describe, expect, it } from 'vitest';
import { AegisLog, memoryQueue, type FetchLike } from './exports.js';
import { READ_KEY, inProcessServer } from './helpers.js';
import { ENDPOINT, scriptedClients } from './scripted-clients.js';

const client = scriptedClients({ closeMayFail: true });

describe('options of the wrong type', () => {
  it.each([
    // `retry: 0` meant "no retries": it was read as no policy at all, and every request was tried 6 times.
    ['retry', 0],
    ['retry', 3],
    ['retry', false],
    ['apiKey', 12345],
    ['queue', 'memory'],
    ['fetch', 'fetch'],
    ['fetch', false],
    ['queue', false],
    ['onError', 'console'],
    ['onReceipt', true],
    // `true` for "on": locks.request is not a function, and every flush of a shared queue failed.
    ['locks', true],
    ['beacon', true],
    ['fetchLater', true],
  ])('refuses %s = %j at construction with ERR_CONFIG naming the option', (name, value) => {
    expect(() => new AegisLog({ endpoint: ENDPOINT, flushInterval: 0, [name]: value } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', field: name }),
    );
  });

  it('still takes false (off) for beacon, fetchLater and locks, and null for any of them', () => {
    for (const off of [false, null, undefined]) {
      expect(() => client(() => Promise.reject(new Error('no I/O expected')), { beacon: off, fetchLater: off, locks: off } as never)).not.toThrow();
    }
    expect(() => client(() => Promise.reject(new Error('no I/O expected')), { apiKey: null, queue: null, fetch: null, onError: null, onReceipt: null } as never)).not.toThrow();
  });
});

describe('stats().retried', () => {
  it('counts events sent again, not a GET /verify tried again (it sends no event)', async () => {
    const srv = await inProcessServer();
    let failing = '/ingest';
    const fetch: FetchLike = async (url, init) => {
      if (!new URL(url).pathname.startsWith(failing)) return srv.fetch(url, init);
      failing = '-';
      return new Response('{"error":{"code":"unavailable","message":"scripted"}}', { status: 503 });
    };
    const log = client(fetch, { apiKey: READ_KEY });
    const receipt = await log.recordSync('t', {});
    expect(log.stats().retried).toBe(1); // recordSync's event, sent again
    failing = '/verify/';
    expect(await log.verify(receipt.event_id)).toMatchObject({ event: { event_id: receipt.event_id } });
    expect(failing).toBe('-'); // the 503 was answered, and the GET tried again
    expect(log.stats().retried).toBe(1);
  });
});

describe('durable()', () => {
  it("rejects with the store's failure, as flush() and onError tell it, not a bare 'not written yet'", async () => {
    const inner = memoryQueue();
    const queue = { ...inner, append: () => Promise.reject(new Error('disk full (scripted)')) };
    const told: string[] = [];
    const log = client(() => Promise.reject(new Error('no I/O expected')), { queue, onError: (e) => told.push(e.message) });
    log.record('t', {});
    const rejected = await log.durable().catch((e: Error) => e);
    expect(told).toEqual(['queue store failed: disk full (scripted)']);
    expect(rejected).toMatchObject({ code: 'ERR_QUEUE_STORE', message: told[0] });
  });
});

describe('verify()', () => {
  it.each([
    ['an empty 204 (a proxy)', () => new Response(null, { status: 204 })],
    ['a JSON array', () => Response.json([])],
    ['an object without a status', () => Response.json({ ok: true })],
  ])('refuses %s as no verdict (ERR_BAD_RESPONSE), instead of resolving it', async (_, answer) => {
    const srv = await inProcessServer();
    const fetch: FetchLike = async (url, init) => (url.includes('/verify/') ? answer() : srv.fetch(url, init));
    const log = client(fetch, { apiKey: READ_KEY });
    const receipt = await log.recordSync('t', {});
    const outcome = await log.verify(receipt.event_id).then((r) => ({ resolved: r }), (e: unknown) => e);
    expect(outcome).toMatchObject({ code: 'ERR_BAD_RESPONSE', status: 200 });
  });
});

describe('the options object itself', () => {
  it.each([[undefined], [null]])('new AegisLog(%j) is ERR_CONFIG naming the endpoint, not a TypeError', (options) => {
    expect(() => new AegisLog(options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG', field: 'endpoint', message: `endpoint must be an http(s) URL, such as http://127.0.0.1:8787 (got undefined)` }),
    );
  });
});

describe('verify() options', () => {
  it('null options are no options (a TypeError before); a tenantId no tenant can have is refused without a request, as eventId is', async () => {
    const srv = await inProcessServer();
    const log = client(srv.fetch, { apiKey: READ_KEY });
    const receipt = await log.recordSync('t', {});
    expect(await log.verify(receipt.event_id, null as never)).toMatchObject({ event: { event_id: receipt.event_id } });
    const before = srv.calls.length;
    for (const tenantId of ['', 'acme bank', 5]) {
      // '' used to reach the server, which answered for the key's own tenant: a verdict about a tenant not asked for.
      await expect(log.verify(receipt.event_id, { tenantId } as never)).rejects.toMatchObject({ name: 'AegisLogValidationError', field: 'tenantId' });
    }
    expect(srv.calls.length).toBe(before);
  });
});
