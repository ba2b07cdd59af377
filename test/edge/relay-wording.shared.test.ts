// The relay refuses what the reference server refuses, in the same words (issue 15): each input is
// posted to the server itself (with the ingest key) and to a relay in front of the same server (no
// key, as a browser posts), and the two answers are compared: status, error code, message, field,
// and a batch's per-event errors. The server is its real fetch handler, in-process.
import { describe, expect, it } from 'vitest';
import { createRelay } from '../../src/edge/index.js';
import { createServer, localSigner, memoryStore } from '../../src/server/index.js';

const KEY = 'pk_ingest_wording_tests';
const API = 'https://api.example.com';

async function pair() {
  const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: 'relay.test/log', keys: [{ key: KEY, tenant_id: 'acme', scope: 'ingest' }], onError: () => {} });
  await server.ready;
  const upstream = (input: RequestInfo | URL, init?: RequestInit) => server(new Request(input, init));
  const relay = createRelay({ endpoint: API, apiKey: KEY, allowedOrigins: [], fetch: upstream as typeof fetch });
  const body = (b: unknown) => (typeof b === 'string' ? b : JSON.stringify(b));
  return {
    direct: (path: string, b: unknown) => server(new Request(`${API}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEY }, body: body(b) })),
    relayed: (path: string, b: unknown) => relay(new Request(`https://app.example.com/aegislog${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(b) })),
  };
}

/** What must be equal: the status, and the error or the per-event errors (receipts carry their own times). */
async function wording(response: Response) {
  const answer = (await response.json()) as { error?: unknown; errors?: unknown[]; receipts?: unknown[] };
  return { status: response.status, error: answer.error, errors: answer.errors, receipts: answer.receipts?.length };
}

let n = 0;
// With a trace_id: the server makes one up for an event without, so two sends would differ (issue 11, item 5).
const good = (extra: Record<string, unknown> = {}) => ({ event_type: 'model_inference', event_id: `w-${++n}`, trace_id: `t-${n}`, model_context: { model_id: 'm', model_version: '1' }, ...extra });
const bad = (extra: Record<string, unknown>) => good(extra);

describe('the relay words a refusal as the server does', () => {
  const singles: [string, () => unknown][] = [
    ['a missing model_version', () => bad({ model_context: { model_id: 'm' } })],
    ['a reserved payload key', () => bad({ digest_b64url: 'forged' })],
    ['a prototype name in a context', () => bad({ model_context: JSON.parse('{"model_id":"m","model_version":"1","constructor":{}}') })],
    ['a confidence_score over 1', () => bad({ performance_metrics: { confidence_score: 1.5 } })],
    ['an event that is not an object', () => [1, 2]],
    ['an integer beyond 2^53', () => bad({ n: 2 ** 60 })],
    ['malformed JSON', () => '{"event_type": '],
    // No tenant's id, so no other tenant's either: the server's validator names it first, before any other fault.
    ['a tenant_id that is no tenant id, and a bad model_context', () => bad({ tenant_id: 'Not a tenant!', model_context: 5 })],
  ];
  it.each(singles)('/ingest: %s', async (_, make) => {
    const { direct, relayed } = await pair();
    const input = make();
    const server = await wording(await direct('/ingest', input));
    expect(server.status).toBeGreaterThanOrEqual(400);
    expect(await wording(await relayed('/ingest', input))).toEqual(server);
  });

  const accepted: [string, () => unknown][] = [
    ["Python's nulls (absent fields, PROTOCOL.md §2)", () => good({ trace_id: null, model_context: { model_id: 'm', model_version: '1', model_type: null } })],
    ['no tenant_id, event_id or trace_id (the server fills them)', () => ({ event_type: 'bare' })],
  ];
  it.each(accepted)('/ingest: %s is accepted by both', async (_, make) => {
    const { direct, relayed } = await pair();
    expect((await direct('/ingest', make())).status).toBe(200);
    expect((await relayed('/ingest', make())).status).toBe(200);
  });

  const batches: [string, () => unknown][] = [
    ['one bad event among good ones', () => ({ events: [good(), bad({ model_context: { model_id: 'm' } }), good()] })],
    ['every event bad', () => ({ events: [bad({ tenant_id: 'a b' }), bad({ tenant_id: 7 }), bad({ event_type: '' }), 42] })],
    ['a tenant_id that is no tenant id, and another fault', () => ({ events: [good(), bad({ tenant_id: 'a b', event_type: '' })] })],
    ['an empty events array', () => ({ events: [] })],
    ['no events array', () => ({ event: {} })],
    ['events that is not an array', () => ({ events: 'x' })],
    // One browser request used to be split into requests of 500 under the relay's one key: see relay-answers.test.ts.
    ['more than 500 events', () => ({ events: Array.from({ length: 501 }, () => good()) })],
  ];
  it.each(batches)('/ingest/batch: %s', async (_, make) => {
    const { direct, relayed } = await pair();
    const input = make();
    const server = await wording(await direct('/ingest/batch', input));
    // The server stored the good ones; the relay's copies are duplicates of them, answered with receipts all the same.
    expect(await wording(await relayed('/ingest/batch', input))).toEqual(server);
  });

  it('names the field as the server does, without an events[i] prefix, and answers 200 for an all-bad batch', async () => {
    const { relayed } = await pair();
    const answer = await relayed('/ingest/batch', { events: [bad({ performance_metrics: { confidence_score: 2 } })] });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      receipts: [],
      errors: [{ index: 0, event_id: expect.any(String), code: 'ERR_SCHEMA_INVALID', message: expect.stringContaining('performance_metrics.confidence_score'), field: 'performance_metrics.confidence_score' }],
    });
  });
});

describe('the relay refuses a method as the server does', () => {
  it.each(['GET', 'PUT', 'DELETE'])('%s on /ingest and /ingest/batch: 405 in the same words and the same Allow, naming the path asked for', async (method) => {
    const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: 'relay.test/log', keys: [{ key: KEY, tenant_id: 'acme', scope: 'ingest' }], onError: () => {} });
    await server.ready;
    const relay = createRelay({ endpoint: API, apiKey: KEY, allowedOrigins: [], fetch: ((input: RequestInfo | URL, init?: RequestInit) => server(new Request(input, init))) as typeof fetch });
    for (const path of ['/ingest', '/ingest/batch']) {
      // The relay mounted at the root, so that both are asked for the same path.
      const answers = [await server(new Request(`${API}${path}`, { method })), await relay(new Request(`https://app.example.com${path}`, { method }))];
      const [direct, relayed] = await Promise.all(answers.map(async (res) => ({ status: res.status, allow: res.headers.get('allow'), body: await res.json() })));
      expect(direct).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed' } } });
      expect(relayed).toEqual(direct);
    }
  });
});

// docs/edge.md, "Where they still differ": each difference it names, side by side, as it names it.
describe('where the relay and the server differ, exactly as docs/edge.md says', () => {
  it('an event of another tenant that also breaks the schema: the server names tenant_id (403), the relay the other fault (400)', async () => {
    const { direct, relayed } = await pair();
    const input = () => bad({ tenant_id: 'other', model_context: 5 });
    expect(await wording(await direct('/ingest', input()))).toMatchObject({ status: 403, error: { code: 'forbidden', field: 'tenant_id' } });
    expect(await wording(await relayed('/ingest', input()))).toMatchObject({ status: 400, error: { code: 'ERR_SCHEMA_INVALID', field: 'model_context' } });
    const batch = () => ({ events: [input()] });
    expect((await wording(await direct('/ingest/batch', batch()))).errors).toMatchObject([{ index: 0, code: 'forbidden', field: 'tenant_id' }]);
    expect((await wording(await relayed('/ingest/batch', batch()))).errors).toMatchObject([{ index: 0, code: 'ERR_SCHEMA_INVALID', field: 'model_context' }]);
  });

  it('a refused event without an event_id of its own is named by index alone, by both', async () => {
    const { direct, relayed } = await pair();
    const input = { events: [{ event_type: '' }] };
    const server = await wording(await direct('/ingest/batch', input));
    expect(server.errors).toEqual([{ index: 0, code: 'ERR_SCHEMA_INVALID', message: expect.any(String), field: 'event_type' }]);
    expect(await wording(await relayed('/ingest/batch', input))).toEqual(server);
  });
});
