// examples/cloudflare-worker AS WRITTEN: bundled like wrangler bundles it, run in real workerd (miniflare)
// with the bindings of its wrangler.json, delivering to the reference server on 127.0.0.1.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { FLUSH_TRIES, bundleWorker, eventually, readWrangler, requireDist, startWorker } from './workerd.js';
import { READ_KEY, TENANT, startReference, type Reference } from './reference.js';
import { event } from './upstream.js';

const APP = 'https://app.example.com';
const config = readWrangler('examples/cloudflare-worker/wrangler.json');
let mf: Miniflare;
let api: Reference;

beforeAll(async () => {
  requireDist('edge.js', 'index.js');
  api = await startReference();
  mf = await startWorker(await bundleWorker('examples/cloudflare-worker/worker.ts'), config, {
    AEGISLOG_ENDPOINT: api.url,
    AEGISLOG_API_KEY: READ_KEY,
  });
});

afterAll(async () => {
  await mf?.dispose();
  await api?.close();
});

beforeEach(() => api.setDown(false));

// miniflare types its bindings with @cloudflare/workers-types, which this project does not install: the shapes used here.
type KVList = { list(options: { prefix: string }): Promise<{ keys: { name: string }[] }> };
type ScheduledWorker = { scheduled(options: { cron: string }): Promise<{ outcome: string }> };

const queued = async () => {
  const kv = (await mf.getKVNamespace('AEGISLOG_QUEUE')) as unknown as KVList;
  return (await kv.list({ prefix: 'aegislog:q' })).keys.map((k) => k.name);
};

async function chat(prompt: string): Promise<string> {
  const res = await mf.dispatchFetch('https://worker.example/chat', { method: 'POST', body: JSON.stringify({ prompt, sessionId: 'sess-1' }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { eventId: string }).eventId;
}

/** Makes the API unreachable until the worker's flush has given up (each of its FLUSH_TRIES refused). */
async function whileDown(work: () => Promise<string>): Promise<string> {
  api.setDown(true);
  const before = api.resets;
  const id = await work();
  await eventually(() => (api.resets >= before + FLUSH_TRIES ? true : undefined));
  // The flush gave up: its event is still queued in KV.
  await eventually(async () => ((await queued()).some((k) => k.endsWith(id)) ? true : undefined));
  api.setDown(false);
  return id;
}

describe('Cloudflare Worker example: the client', () => {
  it('record() in the handler, waitUntil(flush) after the response: stored and signed by the server on 127.0.0.1', async () => {
    const id = await chat('What is the EU AI Act?');
    const bundle = await eventually(() => api.evidence(id));
    expect(bundle.event).toMatchObject({ tenant_id: TENANT, event_type: 'model_inference', event_id: id, prompt_chars: 22 });
    expect(bundle.event.model_context).toEqual({ model_id: 'demo-model', model_version: '1.0' });
    expect(bundle.receipt.signature_b64url).toMatch(/^[A-Za-z0-9_-]+$/);
    // Delivered, so no longer queued in KV.
    await eventually(async () => ((await queued()).length === 0 ? true : undefined));
  });

  it('a flush that fails (API down) is retried by the next invocation', async () => {
    const lost = await whileDown(() => chat('first, while the API is down'));
    expect(await api.evidence(lost)).toBeUndefined();
    const next = await chat('second, API back');
    await eventually(() => api.evidence(next));
    // The next invocation's flush took the event the failed one left in KV.
    expect((await eventually(() => api.evidence(lost))).event.event_id).toBe(lost);
    await eventually(async () => ((await queued()).length === 0 ? true : undefined));
  });

  it('the scheduled handler (cron trigger) delivers what a failed flush left, with no request at all', async () => {
    const lost = await whileDown(() => chat('left behind'));
    const worker = (await mf.getWorker()) as unknown as ScheduledWorker;
    const result = await worker.scheduled({ cron: config.triggers!.crons![0]! });
    expect(result.outcome).toBe('ok');
    expect((await eventually(() => api.evidence(lost))).event.event_id).toBe(lost);
  });
});

describe('Cloudflare Worker example: the relay', () => {
  it('relays a browser batch with the secret key: stored at the server', async () => {
    const events = [event(), event()];
    const res = await mf.dispatchFetch('https://worker.example/aegislog/ingest/batch', {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.9' },
      body: JSON.stringify({ events }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    const answer = (await res.json()) as { receipts: { event_id: string }[]; errors: unknown[] };
    expect(answer.errors).toEqual([]);
    expect(answer.receipts.map((r) => r.event_id)).toEqual(events.map((e) => e.event_id));
    for (const e of events) expect((await api.evidence(e.event_id as string)).event).toEqual(e);
  });

  it('a beacon from a page exit is relayed too', async () => {
    const e = event();
    const res = await mf.dispatchFetch('https://worker.example/aegislog/beacon', {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ key: 'ignored', events: [e] }),
    });
    expect(res.status).toBe(204);
    expect((await api.evidence(e.event_id as string)).event).toEqual(e);
  });

  it('bad input -> named by index and field, as the server names it, nothing stored', async () => {
    const bad = event({ performance_metrics: { confidence_score: 1.5 } });
    const res = await mf.dispatchFetch('https://worker.example/aegislog/ingest/batch', {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [bad] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { receipts: unknown[]; errors: { index: number; field: string }[] };
    expect(body.receipts).toEqual([]);
    expect(body.errors).toEqual([expect.objectContaining({ index: 0, field: 'performance_metrics.confidence_score' })]);
    expect(await api.evidence(bad.event_id as string)).toBeUndefined();
  });

  it('another origin is refused', async () => {
    const res = await mf.dispatchFetch('https://worker.example/aegislog/ingest', {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify(event()),
    });
    expect(res.status).toBe(403);
  });
});
