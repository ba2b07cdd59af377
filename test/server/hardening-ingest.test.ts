// Issue 11, on the ingest routes: Content-Type checks, numbers that a double cannot hold, DNS
// rebinding (same-origin only for the configured public origins), per-key rate limits (429 +
// Retry-After). A real server on 127.0.0.1 over SQLite (helpers.start), or the handler itself.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, localSigner, memoryStore } from '../../src/server/node.js';
import { KEYS, KEY_CONFIG, ORIGIN, TENANT, clock, event, start } from './helpers.js';
import type { Running } from './helpers.js';

let s: Running;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s.stop());

async function errorOf(response: Response) {
  return { status: response.status, ...((await response.json()) as { error: { code: string; field?: string; message: string } }).error };
}

describe('Content-Type', () => {
  test('/ingest and /ingest/batch take application/json only: text/plain, a form or none → 415 naming content-type, nothing stored', async () => {
    for (const type of ['text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'application/json; charset=iso-8859-1']) {
      const e = event();
      const one = await s.call('/ingest', { key: KEYS.ingest, method: 'POST', body: JSON.stringify(e), headers: { 'content-type': type } });
      expect(await errorOf(one)).toMatchObject({ status: 415, code: 'unsupported_media_type', field: 'content-type' });
      const batch = await s.call('/ingest/batch', { key: KEYS.ingest, method: 'POST', body: JSON.stringify({ events: [e] }), headers: { 'content-type': type } });
      expect(batch.status).toBe(415);
      expect(await s.store.getRecord(TENANT, e.event_id as string)).toBeUndefined();
    }
    const none = await s.call('/ingest', { key: KEYS.ingest, method: 'POST', body: new Uint8Array(new TextEncoder().encode(JSON.stringify(event()))) });
    expect(await errorOf(none)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect((await s.call('/ingest', { key: KEYS.ingest, json: event() })).status).toBe(200);
  });

  test('/beacon takes text/plain (what sendBeacon sends) and application/json; nothing else', async () => {
    const send = (type: string, e = event()) =>
      s.call('/beacon', { key: null, method: 'POST', body: JSON.stringify({ key: KEYS.ingest, events: [e] }), headers: { 'content-type': type } });
    expect((await send('text/plain;charset=UTF-8')).status).toBe(204);
    expect((await send('application/json')).status).toBe(204);
    const e = event();
    expect(await errorOf(await send('multipart/form-data; boundary=x', e))).toMatchObject({ status: 415, field: 'content-type' });
    expect(await s.store.getRecord(TENANT, e.event_id as string)).toBeUndefined();
  });
});

describe('numbers that a double cannot hold', () => {
  test('/ingest: 1e-400 (stored as 0 before) → 400 ERR_JCS_INVALID naming the field; nothing stored', async () => {
    const e = event();
    const body = JSON.stringify(e).replace('"prompt"', '"performance_metrics":{"latency_ms":1e-400},"prompt"');
    const response = await s.call('/ingest', { key: KEYS.ingest, method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const error = await errorOf(response);
    expect(error).toMatchObject({ status: 400, code: 'ERR_JCS_INVALID', field: 'performance_metrics.latency_ms' });
    expect(error.message).toContain('1e-400');
    expect(await s.store.getRecord(TENANT, e.event_id as string)).toBeUndefined();
  });

  test('/ingest/batch: only the events holding one are refused, by index and field; the others get receipts', async () => {
    const events = [event(), event(), event(), event()];
    const texts = events.map((e) => JSON.stringify(e));
    // Both parse without a word (to 0 and to 0.1): only the text shows they were not what was sent.
    texts[1] = texts[1]!.replace('"prompt"', '"score":1e-400,"prompt"');
    texts[3] = texts[3]!.replace('"prompt"', '"payload":{"ratios":[1,0.1000000000000000055511151231257827]},"prompt"');
    const response = await s.call('/ingest/batch', { key: KEYS.ingest, method: 'POST', body: `{"events":[${texts.join(',')}]}`, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { receipts: { event_id: string }[]; errors: { index: number; event_id: string; code: string; field: string }[] };
    expect(answer.receipts.map((r) => r.event_id)).toEqual([events[0]!.event_id, events[2]!.event_id]);
    expect(answer.errors.map(({ index, event_id, code, field }) => ({ index, event_id, code, field }))).toEqual([
      { index: 1, event_id: events[1]!.event_id, code: 'ERR_JCS_INVALID', field: 'score' },
      { index: 3, event_id: events[3]!.event_id, code: 'ERR_JCS_INVALID', field: 'payload.ratios[1]' },
    ]);
    expect(await s.store.getRecord(TENANT, events[1]!.event_id as string)).toBeUndefined();
    expect((await s.store.getRecord(TENANT, events[2]!.event_id as string))?.statement.event_id).toBe(events[2]!.event_id);
  });

  test('numbers that survive are stored as sent (0.1, 1e-7, 5e-324, 0.30000000000000004, -0)', async () => {
    const e = event();
    const body = JSON.stringify(e).replace('"prompt"', '"nums":[0.1,1e-7,5e-324,0.30000000000000004,-0],"prompt"');
    const response = await s.call('/ingest', { key: KEYS.ingest, method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    expect((await s.store.getRecord(TENANT, e.event_id as string))?.event.nums).toEqual([0.1, 1e-7, 5e-324, 0.30000000000000004, 0]);
  });
});

/** A POST through node:http, which (unlike fetch) lets the test choose the Host header, as a DNS-rebinding page's browser does. */
function postWithHost(url: string, path: string, host: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const req = httpRequest({ hostname, port, path, method: 'POST', headers: { host, 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => done({ status: res.statusCode!, body: text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

describe('DNS rebinding', () => {
  test('a page whose Origin equals the Host it rebound to us is cross-origin: a key without origins refuses it (403), nothing stored', async () => {
    const { port } = new URL(s.url);
    const e = event();
    const answer = await postWithHost(s.url, '/ingest', `evil.test:${port}`, { 'x-api-key': KEYS.ingest, origin: `http://evil.test:${port}` }, JSON.stringify(e));
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).error.code).toBe('origin_not_allowed');
    expect(await s.store.getRecord(TENANT, e.event_id as string)).toBeUndefined();
    // The server's own public origin (its URL, configured by the test helper as `aegislog dev` does) is same-origin.
    const own = await postWithHost(s.url, '/ingest', `127.0.0.1:${port}`, { 'x-api-key': KEYS.ingest, origin: s.url }, JSON.stringify(event()));
    expect(own.status).toBe(200);
  });

  test('without publicOrigins no Origin is same-origin; publicOrigins must be origins', async () => {
    const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: ORIGIN, keys: KEY_CONFIG });
    const post = (origin: string) =>
      server(new Request('http://log.example/ingest', { method: 'POST', headers: { 'x-api-key': KEYS.ingest, 'content-type': 'application/json', origin }, body: JSON.stringify(event()) }));
    expect((await post('http://log.example')).status).toBe(403);
    const configured = createServer({ signer: await localSigner(), store: memoryStore(), origin: ORIGIN, keys: KEY_CONFIG, publicOrigins: ['https://log.example/'] });
    const ok = await configured(new Request('https://log.example/ingest', { method: 'POST', headers: { 'x-api-key': KEYS.ingest, 'content-type': 'application/json', origin: 'https://log.example' }, body: JSON.stringify(event()) }));
    expect(ok.status).toBe(200);
    expect(() => createServer({ signer: memoryStore() as never, store: memoryStore(), origin: ORIGIN, keys: KEY_CONFIG, publicOrigins: ['log.example'] })).toThrow(/publicOrigins\[0\]/);
    // A pattern parses as an origin no browser sends: refused as the key's origins and the relay's are (transport/origin.ts).
    expect(() => createServer({ signer: memoryStore() as never, store: memoryStore(), origin: ORIGIN, keys: KEY_CONFIG, publicOrigins: ['https://*.log.example'] })).toThrow(/publicOrigins\[0\]/);
  });

  test('publicOrigins as a function: its answer is read as origins, never as text an Origin is a part of', async () => {
    const errors: unknown[] = [];
    const serverWith = async (answer: unknown) =>
      createServer({ signer: await localSigner(), store: memoryStore(), origin: ORIGIN, keys: KEY_CONFIG, publicOrigins: () => answer as string[], onError: (e) => errors.push(e) });
    const post = (server: Awaited<ReturnType<typeof serverWith>>, origin: string) =>
      server(new Request('https://log.example.com/ingest', { method: 'POST', headers: { 'x-api-key': KEYS.ingest, 'content-type': 'application/json', origin }, body: JSON.stringify(event()) }));
    // An origin written with its slash, as the array form takes it.
    const listed = await serverWith(['https://log.example.com/']);
    expect((await post(listed, 'https://log.example.com')).status).toBe(200);
    expect((await post(listed, 'https://log.example.co')).status).toBe(403);
    expect(errors).toEqual([]);
    // A string given back (an environment variable passed on): not a list whose text https://log.example.co is part of.
    // Reported, and no origin is the server's own: each is judged by the key's origins (this key has none).
    const text = await serverWith('https://log.example.com');
    const refused = await post(text, 'https://log.example.co');
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('origin_not_allowed');
    expect((await post(text, 'https://log.example.co')).status).toBe(403);
    // Reported once while the same mistake lasts, not at each request.
    expect(errors).toEqual([expect.objectContaining({ code: 'ERR_CONFIG', field: 'publicOrigins' })]);
  });
});

describe('per-key rate limit', () => {
  test('a key past its units gets 429 with Retry-After; events, values and refused requests count; other keys are not affected; time refills it', async () => {
    const time = clock();
    const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: ORIGIN, keys: KEY_CONFIG, now: time.now, limits: { keyRatePerSecond: 10, keyRateBurst: 20 } });
    const post = (path: string, body: unknown, key = KEYS.ingest) =>
      server(new Request(`http://log.example${path}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) }));
    // A batch of 9 events costs 1 + 9 + (about 100 values)/64: about 12 of the 20 units.
    expect((await post('/ingest/batch', { events: Array.from({ length: 9 }, () => event()) })).status).toBe(200);
    // Refused requests cost their unit too: a bad body, then single events until the bucket is empty.
    expect((await post('/ingest', '{')).status).toBe(400);
    let accepted = 0;
    let limited: Response | undefined;
    for (let i = 0; i < 20 && !limited; i++) {
      const response = await post('/ingest', event());
      if (response.status === 429) limited = response;
      else accepted++;
    }
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect(accepted).toBeLessThanOrEqual(4);
    expect(limited).toBeDefined();
    expect(limited!.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(((await limited!.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    // Another key has its own bucket.
    expect((await post('/ingest', event(), KEYS.read)).status).toBe(200);
    time.advance(Number(limited!.headers.get('retry-after')) * 1000);
    expect((await post('/ingest', event())).status).toBe(200);
  });

  test('an export streams at its key\'s rate: one unit per 8 lines, the stream waiting out the debt between pages', async () => {
    // A review ran 8 parallel exports of a 5,000-receipt period with one read key: 70 units, and /healthz
    // took 2 s meanwhile. Ingest goes through a server without a limit; the export through one with
    // 10 units/s (burst 20) on the same store and the same controlled clock.
    const time = clock();
    const store = memoryStore();
    const open = createServer({ signer: await localSigner(), store, origin: ORIGIN, keys: KEY_CONFIG, now: time.now, limits: { keyRatePerSecond: 0 } });
    for (let b = 0; b < 4; b++) {
      const batch = await open(new Request('http://log.example/ingest/batch', { method: 'POST', headers: { 'x-api-key': KEYS.ingest, 'content-type': 'application/json' }, body: JSON.stringify({ events: Array.from({ length: 500 }, () => event()) }) }));
      expect(batch.status).toBe(200);
    }
    const limited = createServer({ signer: await localSigner(), store, origin: ORIGIN, keys: KEY_CONFIG, now: time.now, limits: { keyRatePerSecond: 10, keyRateBurst: 20 } });
    const read = () => limited(new Request(`http://log.example/export?tenant_id=${TENANT}`, { headers: { 'x-api-key': KEYS.read } }));
    let done = false;
    const lines = read()
      .then((r) => r.text())
      .then((text) => ((done = true), text.trim().split('\n').length));
    // 2,000 lines are 250 units: past the burst of 20, only the clock lets the pages through. It is moved
    // 100 ms at a time until the export ends (bounded: 60 s of the test's clock).
    let advanced = 0;
    for (let i = 0; i < 600 && !done; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      time.advance(100);
      advanced += 100;
    }
    expect(await lines).toBe(2001); // the header, then every receipt
    // Pages 1–3 (187.5 units) waited out their debt at 10/s, less the 20 of the burst: at least 16 s.
    expect(advanced).toBeGreaterThanOrEqual(16_000);
    // The last page left the key in debt: its next request waits.
    expect((await read()).status).toBe(429);
  });

  test('keyRatePerSecond 0 turns it off', async () => {
    const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: ORIGIN, keys: KEY_CONFIG, limits: { keyRatePerSecond: 0, keyRateBurst: 0 } });
    for (let i = 0; i < 30; i++) {
      const response = await server(new Request('http://log.example/healthz'));
      expect(response.status).toBe(200);
      const post = await server(new Request('http://log.example/ingest', { method: 'POST', headers: { 'x-api-key': KEYS.ingest, 'content-type': 'application/json' }, body: JSON.stringify(event()) }));
      expect(post.status).toBe(200);
    }
  });
});
