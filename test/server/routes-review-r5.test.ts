// Faults of the HTTP routes found in a review (round 5), each kept here by its test: real HTTP on
// 127.0.0.1 over a real SQLite store unless a test needs to hold a store call open.
import { describe, expect, test } from 'vitest';
import { createRelay } from '../../src/edge/index.js';
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';
import { until } from '../client/helpers.js';
import { KEYS, clock, event, withServer } from './helpers.js';

const post = (body: string, headers: Record<string, string> = {}): RequestInit & { key?: string | null } => ({
  method: 'POST',
  key: KEYS.ingest,
  headers: { 'content-type': 'application/json', ...headers },
  body,
});

describe('a member name given twice in an ingested body', () => {
  const one = JSON.stringify(event({ event_id: 'dup-1' }));
  const twice = `${one.slice(0, -1)},"event_id":"dup-2"}`;
  const inPayload = JSON.stringify(event({ event_id: 'dup-3', payload: { a: 1 } })).replace('"payload":{"a":1}', '"payload":{"a":1,"a":2}');

  test('is refused 400 ERR_JCS_INVALID naming the member, on /ingest, /ingest/batch and /beacon, and nothing is stored', async () => {
    await withServer({}, async (s) => {
      const single = await s.call('/ingest', post(twice));
      expect(single.status).toBe(400);
      expect((await single.json()).error).toMatchObject({ code: 'ERR_JCS_INVALID', field: 'event_id' });
      const nested = await s.call('/ingest', post(inPayload));
      expect(nested.status).toBe(400);
      expect((await nested.json()).error).toMatchObject({ code: 'ERR_JCS_INVALID', field: 'payload.a' });
      const batch = await s.call('/ingest/batch', post(`{"events":[${one},${twice}]}`));
      expect(batch.status).toBe(400);
      expect((await batch.json()).error).toMatchObject({ code: 'ERR_JCS_INVALID', field: 'events[1].event_id' });
      const beacon = await s.call('/beacon', { ...post(`{"key":${JSON.stringify(KEYS.ingest)},"events":[${twice}]}`), key: null });
      expect(beacon.status).toBe(400);
      expect((await beacon.json()).error).toMatchObject({ code: 'ERR_JCS_INVALID', field: 'events[0].event_id' });
      for (const id of ['dup-1', 'dup-2', 'dup-3']) expect(await s.store.getRecord('acme', id)).toBeUndefined();
    });
  });

  test('is refused by the relay in the words of the server', async () => {
    const KEY = 'pk_ingest_duplicate_tests';
    const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: 'relay.test/log', keys: [{ key: KEY, tenant_id: 'acme', scope: 'ingest' }], onError: () => {} });
    await server.ready;
    const relay = createRelay({ endpoint: 'https://api.example.com', apiKey: KEY, allowedOrigins: [], fetch: ((input: RequestInfo | URL, init?: RequestInit) => server(new Request(input, init))) as typeof fetch });
    const headers = { 'content-type': 'application/json' };
    for (const [path, body] of [['/ingest', twice], ['/ingest/batch', `{"events":[${twice}]}`]] as const) {
      const direct = await server(new Request(`https://api.example.com${path}`, { method: 'POST', headers: { ...headers, 'x-api-key': KEY }, body }));
      const relayed = await relay(new Request(`https://app.example.com/aegislog${path}`, { method: 'POST', headers, body }));
      const answer = async (r: Response) => ({ status: r.status, body: await r.json() });
      const expected = await answer(direct);
      expect(expected.status).toBe(400);
      expect(await answer(relayed)).toEqual(expected);
    }
  });

  test('the same name in two objects is no duplicate', async () => {
    await withServer({}, async (s) => {
      const body = JSON.stringify(event({ event_id: 'twice-ok', payload: { a: { n: 1 }, b: { n: 2 } } }));
      expect((await s.call('/ingest', post(body))).status).toBe(200);
    });
  });
});

describe('a compressed body', () => {
  test('is refused 415 naming content-encoding on every ingest route, not 400 "not valid UTF-8"', async () => {
    const { gzipSync } = await import('node:zlib');
    await withServer({}, async (s) => {
      const json = JSON.stringify(event({ event_id: 'gz-1' }));
      for (const [path, body, key] of [
        ['/ingest', json, KEYS.ingest],
        ['/ingest/batch', `{"events":[${json}]}`, KEYS.ingest],
        ['/beacon', `{"key":${JSON.stringify(KEYS.ingest)},"events":[${json}]}`, null],
      ] as const) {
        const response = await s.call(path, { method: 'POST', key, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(body) });
        expect(response.status, path).toBe(415);
        expect((await response.json()).error, path).toMatchObject({ code: 'unsupported_media_type', field: 'content-encoding' });
      }
      // identity is no encoding at all
      expect((await s.call('/ingest', post(json, { 'content-encoding': 'identity' }))).status).toBe(200);
    });
  });
});


describe('a malformed tenant_id', () => {
  test('is refused 400 naming the rule whatever the key, as with an admin key (no tenant is named by it)', async () => {
    await withServer({}, async (s) => {
      const bad = 'not a tenant!';
      const answers = [];
      for (const key of [KEYS.ingest, KEYS.admin]) {
        const response = await s.call('/ingest', { key, json: event({ tenant_id: bad }) });
        answers.push({ status: response.status, error: (await response.json()).error });
      }
      expect(answers[0]).toMatchObject({ status: 400, error: { code: 'ERR_SCHEMA_INVALID', field: 'tenant_id' } });
      expect(answers[0]).toEqual(answers[1]);
      // A well-formed tenant of another stays 403 for a non-admin key.
      expect((await s.call('/ingest', { key: KEYS.ingest, json: event({ tenant_id: 'other' }) })).status).toBe(403);
      for (const path of [`/head?tenant_id=${encodeURIComponent(bad)}&period_start=2026-11-28T00:00:00.000Z`, `/logs/${encodeURIComponent(bad)}/heads`]) {
        const read = await s.call(path, { key: KEYS.read });
        const admin = await s.call(path, { key: KEYS.admin });
        expect(admin.status, path).toBe(400);
        expect({ status: read.status, body: await read.json() }, path).toEqual({ status: admin.status, body: await admin.json() });
      }
    });
  });
});

describe('keys that no request can present', () => {
  const base = async () => ({ signer: await localSigner(), store: memoryStore(), origin: 'keys.test/log' });
  test.each([
    ['a space at its start', ' ingest-key-acme-0000000001'],
    ['a tab at its end', 'ingest-key-acme-0000000001\t'],
    ['a character beyond Latin-1', 'ingest-key-acme-ключ-000001'],
    ['a line break', 'ingest-key-acme\n0000000001'],
  ])('a key with %s is refused at start with ERR_CONFIG naming its index, not its value', async (_, key) => {
    const keys = [{ key: 'read-key-acme-000000000001', tenant_id: 'acme', scope: 'read' as const }, { key, tenant_id: 'acme', scope: 'ingest' as const }];
    let thrown: unknown;
    try {
      createServer({ ...(await base()), keys });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'ERR_CONFIG', field: 'keys[1].key' });
    expect((thrown as Error).message).not.toContain(key.trim().slice(0, 10));
  });

  test('a key with a space inside, or Latin-1 letters, is still taken', async () => {
    for (const key of ['ingest key acme 0000000001', 'ingest-key-café-0000000001']) {
      expect(() => createServer({ signer: undefined as never, store: memoryStore(), origin: 'keys.test/log', keys: [{ key, tenant_id: 'acme', scope: 'ingest' }] })).not.toThrow(/keys\[0\]/);
    }
  });

  test('a beacon whose key is empty is told so, not "no API key: send X-Api-Key"', async () => {
    await withServer({}, async (s) => {
      const response = await s.call('/beacon', { method: 'POST', key: null, headers: { 'content-type': 'text/plain' }, body: '{"key":"","events":[]}' });
      expect(response.status).toBe(401);
      const { error } = await response.json();
      expect(error.code).toBe('unauthorized');
      expect(error.message).toMatch(/empty/);
    });
  });
});

describe('GET /logs/{tenant}/heads', () => {
  test("is one of its key's requests in flight until its stream ends, as an export is", async () => {
    const store = memoryStore();
    let calls = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { heads } = store;
    store.heads = async (...args) => (calls++, await gate, heads.apply(store, args));
    await withServer({ store, limits: { keyInFlight: 1, keyRatePerSecond: 0 } }, async (s) => {
      const first = s.call('/logs/acme/heads', { key: KEYS.read });
      await until(() => calls === 1, 10_000, 'the first stream to read its first page');
      let answered = false;
      const asked = s.call('/logs/acme/heads', { key: KEYS.read }).finally(() => (answered = true));
      // Refused at once, or (counted nowhere) reading its first page too.
      await until(() => answered || calls === 2, 10_000, 'the second request to be answered or to read');
      open();
      const second = await asked;
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBe('1');
      expect((await first).status).toBe(200);
      await (await first).text();
      // Let go once it ended: the next one is served.
      let again: Response | undefined;
      await until(async () => (again = await s.call('/logs/acme/heads', { key: KEYS.read })).status === 200, 10_000, 'the slot to be let go');
      expect(await again!.text()).toBe('');
    });
  });

  // Found in review: a heads stream cost one unit of its key's rate however many heads it sent, where an export
  // costs a unit per 8 lines: with short periods kept long (a 60 s period: 525,000 heads a year), one request
  // streamed them all. Its heads are charged as export lines now. The store's pages are stand-ins (40 heads).
  test('charges its key for the heads it streams, as an export charges its lines', async () => {
    const store = memoryStore();
    const head = (i: number) => ({ head: { v: 2, tenant_id: 'acme', period_start: `p${i}`, tree_size: i + 1 }, headIndex: i });
    store.heads = async (_tenant, after) => (after === undefined ? Array.from({ length: 40 }, (_, i) => head(i)) : []) as never;
    const frozen = clock();
    // A burst of 6 units, and a clock that never moves: the stream's admission (1) and its 40 heads (5) spend it all.
    await withServer({ store, now: frozen.now, limits: { keyRatePerSecond: 1, keyRateBurst: 6, keyInFlight: 4 } }, async (s) => {
      const stream = await s.call('/logs/acme/heads', { key: KEYS.read });
      expect(stream.status).toBe(200);
      expect((await stream.text()).trimEnd().split('\n')).toHaveLength(40);
      const next = await s.call('/logs/acme/heads', { key: KEYS.read });
      expect(next.status).toBe(429);
    });
  });
});
