// The relay and the reference server side by side on the four differences a review found (each
// input posted to the server itself, with the ingest key, and to a relay in front of the same
// server, with no key, as a browser posts): a number a double cannot hold in one event of a batch
// or beacon, a tenant_id of another tenant on /ingest, a body that is not JSON by its Content-Type,
// and the body limit per route. The server is its real fetch handler, in-process: no network.
// Tests marked "guard" passed before the fix as well: they keep the fix from going too far (a whole
// body still refused where the server refuses it whole, the relay's own key still a 502, JSON types
// still accepted, the batch limit unchanged).
import { describe, expect, it } from 'vitest';
import { createRelay } from '../../src/edge/index.js';
import { DEFAULT_LIMITS, createServer, localSigner, memoryStore } from '../../src/server/index.js';

const KEY = 'pk_ingest_review_tests';
const READ_KEY = 'sk_read_review_tests';
const API = 'https://api.example.com';
const APP = 'https://app.example.com';

type Upstream = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

async function pair(relayKey = KEY) {
  const server = createServer({
    signer: await localSigner(),
    store: memoryStore(),
    origin: 'relay.test/log',
    keys: [
      { key: KEY, tenant_id: 'acme', scope: 'ingest' },
      { key: READ_KEY, tenant_id: 'acme', scope: 'read' },
    ],
    onError: () => {},
  });
  await server.ready;
  const upstream: Upstream = (input, init) => server(new Request(input, init));
  const relay = createRelay({ endpoint: API, apiKey: relayKey, allowedOrigins: [], fetch: upstream as typeof fetch });
  const headersOf = (type: string | null, extra: Record<string, string>) => (type === null ? extra : { 'content-type': type, ...extra });
  // Bytes, not a string: a string body would give the request a Content-Type (text/plain) of its own.
  const bytes = (text: string) => new TextEncoder().encode(text);
  return {
    direct: (path: string, body: string, type: string | null = 'application/json') =>
      server(new Request(`${API}${path}`, { method: 'POST', headers: headersOf(type, path === '/beacon' ? {} : { 'x-api-key': KEY }), body: bytes(body) })),
    relayed: (path: string, body: string, type: string | null = 'application/json') =>
      relay(new Request(`${APP}/aegislog${path}`, { method: 'POST', headers: headersOf(type, {}), body: bytes(body) })),
    /** Whether the server holds the event (its evidence, with the read key). */
    stored: async (eventId: string) => {
      const res = await server(new Request(`${API}/evidence/${eventId}?tenant_id=acme`, { headers: { 'x-api-key': READ_KEY } }));
      await res.body?.cancel();
      return res.status === 200;
    },
  };
}

/** What must be equal: the status, the error, the per-event errors, and how many receipts (receipts carry their own times). */
async function wording(response: Response) {
  const text = await response.text();
  const answer = (text === '' ? {} : JSON.parse(text)) as { error?: unknown; errors?: unknown[]; receipts?: unknown[] };
  return { status: response.status, error: answer.error, errors: answer.errors, receipts: answer.receipts?.length };
}

/** An event as JSON text, with `extra` raw JSON members (a number literal JSON.stringify could not write). */
const eventText = (id: string, extra = '') =>
  `{"event_type":"model_inference","event_id":"${id}","trace_id":"t-${id}","model_context":{"model_id":"m","model_version":"1"}${extra}}`;

describe('relay and server side by side: a number a double cannot hold', () => {
  it('/ingest/batch: only the event holding 1e-400 is refused (200, in errors, field within the event); the others are stored', async () => {
    const { direct, relayed, stored } = await pair();
    const batch = (p: string) => `{"events":[${eventText(`${p}-good`)},${eventText(`${p}-bad`, ',"x":1e-400,"y":{"z":[1,-1e999]}')},${eventText(`${p}-good2`)}]}`;
    const server = await wording(await direct('/ingest/batch', batch('d')));
    expect(server).toEqual({
      status: 200,
      error: undefined,
      receipts: 2,
      errors: [{ index: 1, event_id: 'd-bad', code: 'ERR_JCS_INVALID', message: expect.stringContaining('x is 1e-400'), field: 'x' }],
    });
    const relay = await wording(await relayed('/ingest/batch', batch('r')));
    expect(relay).toEqual({ ...server, errors: [{ ...server.errors![0]!, event_id: 'r-bad' }] });
    expect([await stored('r-good'), await stored('r-good2'), await stored('r-bad')]).toEqual([true, true, false]);
  });

  it('/ingest/batch repeating "events": the body is refused whole by both, naming the member (not I-JSON), and nothing is stored', async () => {
    const { direct, relayed, stored } = await pair();
    const batch = (p: string) => `{"events":[${eventText(`${p}-gone`, ',"x":1e-400')}],"events":[${eventText(`${p}-good`)},${eventText(`${p}-bad`, ',"x":1e-500')}]}`;
    const server = await wording(await direct('/ingest/batch', batch('d')));
    expect(server).toMatchObject({ status: 400, error: { code: 'ERR_JCS_INVALID', field: 'events' } });
    expect(await wording(await relayed('/ingest/batch', batch('r')))).toEqual(server);
    expect([await stored('d-good'), await stored('r-good'), await stored('r-bad'), await stored('r-gone')]).toEqual([false, false, false, false]);
  });

  it('/beacon: 204 from both, and the good event of the beacon is stored through the relay too', async () => {
    const { direct, relayed, stored } = await pair();
    const beacon = (p: string) => `{"key":"${KEY}","events":[${eventText(`${p}-good`)},${eventText(`${p}-bad`, ',"x":1e-400')}]}`;
    const server = await direct('/beacon', beacon('d'), 'text/plain;charset=UTF-8');
    const relay = await relayed('/beacon', beacon('r'), 'text/plain;charset=UTF-8');
    expect(server.status).toBe(204);
    expect(relay.status).toBe(204);
    expect([await stored('d-good'), await stored('r-good')]).toEqual([true, true]);
    expect(await stored('r-bad')).toBe(false);
  });

  // Guards for the first two rows; the third failed before the fix.
  it.each([
    ['/ingest', 'one event holding it', () => eventText('s1', ',"x":1e-400')],
    ['/ingest/batch', 'a member outside events', () => `{"events":[${eventText('s2')}],"x":1e-400}`],
    ['/ingest/batch', 'an event that is itself the number', () => `{"events":[${eventText('s3')},1e-400]}`],
  ])('%s: %s is refused as the server refuses it', async (path, _, make) => {
    const { direct, relayed } = await pair();
    const server = await wording(await direct(path, make()));
    expect(server.status === 400 || server.errors !== undefined).toBe(true);
    expect(await wording(await relayed(path, make()))).toEqual(server);
  });
});

describe('relay and server side by side: a tenant_id of another tenant', () => {
  it('/ingest: the server refuses the event (403 forbidden, field tenant_id) and the relay passes that through', async () => {
    const { direct, relayed } = await pair();
    const event = (id: string) => JSON.stringify({ tenant_id: 'other-tenant', event_type: 'model_inference', event_id: id, trace_id: `t-${id}`, model_context: { model_id: 'm', model_version: '1' } });
    const server = await wording(await direct('/ingest', event('d1')));
    expect(server).toEqual({ status: 403, error: { code: 'forbidden', message: expect.any(String), field: 'tenant_id' }, errors: undefined, receipts: undefined });
    const res = await relayed('/ingest', event('r1'));
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await wording(res)).toEqual(server);
  });

  // Guard.
  it("a refused relay key is still a 502: 401 from the server, and a 403 that names no field", async () => {
    const { relayed } = await pair('pk_not_a_key_of_this_server');
    const unknown = await wording(await relayed('/ingest', eventText('k1')));
    expect(unknown).toMatchObject({ status: 502, error: { code: 'upstream_refused_key' } });
    const scoped = createRelay({
      endpoint: API,
      apiKey: KEY,
      allowedOrigins: [],
      fetch: (async () => Response.json({ error: { code: 'forbidden', message: 'this route needs an ingest key' } }, { status: 403 })) as typeof fetch,
    });
    for (const path of ['/ingest', '/ingest/batch']) {
      const body = path === '/ingest' ? eventText('k2') : `{"events":[${eventText('k3')}]}`;
      const res = await scoped(new Request(`${APP}/aegislog${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
      expect(await wording(res)).toMatchObject({ status: 502, error: { code: 'upstream_refused_key' } });
    }
  });
});

describe('relay and server side by side: the Content-Type', () => {
  const refused: [string, string | null][] = [
    ['/ingest', 'text/plain'],
    ['/ingest', null],
    ['/ingest/batch', 'text/plain'],
    ['/ingest/batch', 'application/x-www-form-urlencoded'],
    ['/ingest/batch', 'application/json; charset=iso-8859-1'],
    ['/beacon', 'application/x-www-form-urlencoded'],
    ['/beacon', null],
  ];
  it.each(refused)('%s with Content-Type %s: 415 unsupported_media_type from both, nothing stored', async (path, type) => {
    const { direct, relayed, stored } = await pair();
    const body = (p: string) => (path === '/ingest' ? eventText(p) : `{"key":"${KEY}","events":[${eventText(p)}]}`);
    const id = `${path.replace(/\W/g, '')}-${String(type).replace(/\W/g, '')}`;
    const server = await wording(await direct(path, body(`d-${id}`), type));
    expect(server).toMatchObject({ status: 415, error: { code: 'unsupported_media_type', field: 'content-type' } });
    expect(await wording(await relayed(path, body(`r-${id}`), type))).toEqual(server);
    expect(await stored(`r-${id}`)).toBe(false);
  });

  // Guard.
  const accepted: [string, string][] = [
    ['/ingest', 'application/json; charset=utf-8'],
    ['/ingest/batch', 'Application/JSON'],
    ['/beacon', 'text/plain;charset=UTF-8'],
  ];
  it.each(accepted)('%s with Content-Type %s: accepted by both', async (path, type) => {
    const { direct, relayed, stored } = await pair();
    const body = (p: string) => (path === '/ingest' ? eventText(p) : `{"key":"${KEY}","events":[${eventText(p)}]}`);
    const server = await direct(path, body('d-ok'), type);
    const relay = await relayed(path, body('r-ok'), type);
    expect(relay.status).toBe(server.status);
    expect(server.status).toBeLessThan(300);
    expect(await stored('r-ok')).toBe(true);
  });
});

describe("relay and server side by side: each route's body limit", () => {
  it('/ingest: a 1.1 MiB body (the server allows 4 MiB there) is stored by both', async () => {
    const { direct, relayed, stored } = await pair();
    const body = (id: string) => eventText(id, `,${' '.repeat(200_000)}"blob":"${'a'.repeat(900_000)}"`);
    expect(body('d').length).toBeGreaterThan(1024 * 1024);
    expect((await direct('/ingest', body('d-big'))).status).toBe(200);
    const relay = await relayed('/ingest', body('r-big'));
    expect(relay.status).toBe(200);
    expect(await stored('r-big')).toBe(true);
  });

  // The /ingest/batch row is a guard; the other two failed before the fix.
  it.each([
    ['/ingest', DEFAULT_LIMITS.ingestBytes],
    ['/ingest/batch', DEFAULT_LIMITS.batchBytes],
    ['/beacon', DEFAULT_LIMITS.beaconBytes],
  ])('%s: a body one byte over the server limit (%i bytes) is refused 413 by both, in the same words', async (path, limit) => {
    const { direct, relayed } = await pair();
    const body = (p: string) => {
      const head = path === '/ingest' ? eventText(p, ',"pad":"') : `{"key":"${KEY}","events":[${eventText(p, ',"pad":"')}`;
      const tail = path === '/ingest' ? '"}' : '"}]}';
      return head + 'a'.repeat(limit + 1 - head.length - tail.length) + tail;
    };
    expect(body('d').length).toBe(limit + 1);
    const type = path === '/beacon' ? 'text/plain' : 'application/json';
    const server = await wording(await direct(path, body('d'), type));
    expect(server).toMatchObject({ status: 413, error: { code: 'payload_too_large' } });
    expect(await wording(await relayed(path, body('r'), type))).toEqual(server);
  });
});

describe('relay and server side by side: an event that grows when the relay writes it again', () => {
  // The relay forwards the events it parsed, written by JSON.stringify: `9e15` goes out as
  // `9000000000000000`. An event the browser sent in a batch under the server's 1 MiB, that
  // the server itself takes (its canonical JSON is under the event limit), may so no longer fit a
  // batch request of its own: the server answered 413 for what it would have stored.
  it('/ingest/batch: an event that grows to within the batch envelope of 1 MiB is stored by both, as the server takes it', async () => {
    const { direct, relayed, stored } = await pair();
    const numbers = `,"n":[${Array(60_000).fill('9e15').join(',')}]`;
    const body = (id: string, fill = 'a') => {
      // Its own tenant_id: the server measures the event with the tenant it fills in.
      const grown = JSON.stringify(JSON.parse(eventText(id, `,"tenant_id":"acme"${numbers},"pad":""`)));
      // Written again, the event is 4 bytes short of 1 MiB: with `{"events":[` and `]}` over it.
      const pad = fill.repeat(1024 * 1024 - 4 - grown.length);
      return `{"events":[${eventText(id, `,"tenant_id":"acme"${numbers},"pad":"${pad}"`)}]}`;
    };
    expect(body('d').length).toBeLessThan(DEFAULT_LIMITS.batchBytes);
    expect(JSON.stringify(JSON.parse(body('d')).events[0]).length).toBe(1024 * 1024 - 4);
    const server = await wording(await direct('/ingest/batch', body('d')));
    expect(server).toEqual({ status: 200, error: undefined, errors: [], receipts: 1 });
    expect(await wording(await relayed('/ingest/batch', body('r')))).toEqual(server);
    expect(await stored('r')).toBe(true);
    // Refused, it is named in the batch's errors as the batch route names it: the same id, other content.
    const conflict = await wording(await direct('/ingest/batch', body('d', 'b')));
    expect(conflict).toMatchObject({ status: 200, receipts: 0, errors: [{ index: 0, event_id: 'd', code: 'conflict' }] });
    const asServer = JSON.parse(JSON.stringify(conflict).replace(/\bd\b/g, 'r')) as unknown;
    expect(await wording(await relayed('/ingest/batch', body('r', 'b')))).toEqual(asServer);
  });
});
