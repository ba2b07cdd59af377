// The relay in real workerd (miniflare), built from the source (relay-worker.ts), in front of an upstream
// on 127.0.0.1 that answers what each test makes it answer: what the relay does with answers that are not
// the API's, and how much upstream work one browser request can cause.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { bundleWorker, startWorker } from './workerd.js';
import { event } from './upstream.js';

const APP = 'https://app.example.com';
const KEY = 'pk_ingest_relay_answers';

interface Hit {
  url: string;
  key: string | undefined;
  body: string;
}

/** What the upstream answers next: set by each test. */
let answer: (url: string, body: string, res: ServerResponse) => void;
const hits: Hit[] = [];
let upstream: ReturnType<typeof createServer>;
let mf: Miniflare;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      hits.push({ url: req.url!, key: req.headers['x-api-key'] as string | undefined, body });
      answer(req.url!, body, res);
    });
  });
  await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
  const endpoint = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  mf = await startWorker(await bundleWorker('test/edge/relay-worker.ts'), { compatibility_date: '2025-09-01' }, { AEGISLOG_ENDPOINT: endpoint, AEGISLOG_API_KEY: KEY, APP_ORIGINS: APP });
});

afterAll(async () => {
  await mf?.dispose();
  upstream?.closeAllConnections();
  upstream?.close();
});

beforeEach(() => {
  hits.length = 0;
});

async function post(path: string, body: unknown) {
  const res = await mf.dispatchFetch(`https://relay.example${path}`, {
    method: 'POST',
    headers: { origin: APP, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

const PAGE = '<html><body>Welcome to aegislog-internal.corp.example:8443</body></html>';

describe('relay in workerd: a 200 that is not the API\'s answer', () => {
  it.each([
    ['an HTML page', 'text/html', PAGE],
    ["another service's JSON", 'application/json', '{"ok":true,"host":"aegislog-internal.corp.example"}'],
    ['a receipt-shaped object for another path', 'application/json', '[{"event_id":"x"}]'],
  ])('/ingest: %s is a 502 bad_gateway, never passed to the browser (its client would drop the event as a receipt mismatch)', async (_, type, text) => {
    answer = (_url, _body, res) => res.writeHead(200, { 'content-type': type }).end(text);
    const res = await post('/aegislog/ingest', event());
    expect(hits).toHaveLength(1);
    expect(res.status).toBe(502);
    expect(res.type).toContain('application/json');
    expect(JSON.parse(res.text).error.code).toBe('bad_gateway');
    expect(res.text).not.toContain('aegislog-internal');
  });

  it.each([
    ['an HTML page', 'text/html', PAGE],
    ["another service's JSON", 'application/json', '{"ok":true}'],
    ['receipts and errors that are not arrays', 'application/json', '{"receipts":"abc","errors":"xy"}'],
  ])('/ingest/batch: %s is a 502 bad_gateway that says the API answered, in a way the relay cannot read', async (_, type, text) => {
    answer = (_url, _body, res) => res.writeHead(200, { 'content-type': type }).end(text);
    const res = await post('/aegislog/ingest/batch', { events: [event(), event()] });
    expect(hits).toHaveLength(1);
    expect(res.status).toBe(502);
    const { error } = JSON.parse(res.text);
    expect(error.code).toBe('bad_gateway');
    expect(error.message).toContain('answered the relay 200');
    expect(res.text).not.toContain('aegislog-internal');
  });

  it('guard: the API\'s own answers still pass, a receipt on /ingest and receipts and errors on /ingest/batch', async () => {
    answer = (url, body, res) => {
      const parsed = JSON.parse(body);
      const out = url.endsWith('/batch')
        ? { receipts: [{ event_id: parsed.events[0].event_id }], errors: [{ index: 1, event_id: parsed.events[1].event_id, code: 'conflict', message: 'x' }] }
        : { event_id: parsed.event_id, tenant_id: 'acme' };
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(out));
    };
    const one = event();
    const single = await post('/aegislog/ingest', one);
    expect({ status: single.status, body: JSON.parse(single.text) }).toEqual({ status: 200, body: { event_id: one.event_id, tenant_id: 'acme' } });
    const two = [event(), event()];
    const batch = await post('/aegislog/ingest/batch', { events: two });
    expect(batch.status).toBe(200);
    expect(JSON.parse(batch.text)).toEqual({ receipts: [{ event_id: two[0]!.event_id }], errors: [{ index: 1, event_id: two[1]!.event_id, code: 'conflict', message: 'x' }] });
    expect(hits.map((h) => h.key)).toEqual([KEY, KEY]);
  });
});

describe('relay in workerd: what one browser request may cost upstream', () => {
  it('a batch of more than 500 events is refused 413 as the server refuses it, and nothing is forwarded', async () => {
    answer = (_url, body, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ receipts: JSON.parse(body).events.map((e: { event_id?: string }) => ({ event_id: e.event_id })), errors: [] }));
    // 20,000 of the smallest events the server takes (it fills tenant_id, event_id and trace_id): 380 KB,
    // one token of a client's rate limit. Split, they were 40 upstream requests in a row under the relay's
    // one key, 20,000 units of its rate at the server, which every visitor shares.
    const events = Array.from({ length: 20_000 }, () => ({ event_type: 'x' }));
    const res = await post('/aegislog/ingest/batch', { events });
    expect({ status: res.status, body: JSON.parse(res.text) }).toEqual({
      status: 413,
      body: { error: { code: 'payload_too_large', message: 'a batch holds at most 500 events; split it' } },
    });
    expect(hits).toHaveLength(0);
    const beacon = await post('/aegislog/beacon', { events: events.slice(0, 501) });
    expect(beacon.status).toBe(413);
    expect(hits).toHaveLength(0);
  });

  it('guard: a batch of 500 events is one upstream request', async () => {
    const res = await post('/aegislog/ingest/batch', { events: Array.from({ length: 500 }, () => event()) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).receipts).toHaveLength(500);
    expect(hits).toHaveLength(1);
  });
});
