// examples/nextjs-edge AS WRITTEN: each route bundled the way Next.js bundles edge routes and run in
// Vercel's Edge Runtime (@edge-runtime/vm), delivering to the reference server on 127.0.0.1.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadEdgeRoute, type EdgeRoute } from './edge-vm.js';
import { eventually, requireDist } from './workerd.js';
import { READ_KEY, TENANT, startReference, type Reference } from './reference.js';
import { startFakeUpstash, type FakeUpstash } from './upstash-rest.js';
import { event } from './upstream.js';

const APP = 'https://app.example.com';
let api: Reference;
let redis: FakeUpstash;
let relay: EdgeRoute;
let chat: EdgeRoute;

beforeAll(async () => {
  requireDist('edge.js', 'index.js');
  api = await startReference();
  redis = await startFakeUpstash();
  const env = {
    AEGISLOG_ENDPOINT: api.url,
    AEGISLOG_TENANT: TENANT,
    AEGISLOG_API_KEY: READ_KEY,
    APP_ORIGINS: APP,
    UPSTASH_REDIS_REST_URL: redis.url,
    UPSTASH_REDIS_REST_TOKEN: redis.token,
  };
  relay = await loadEdgeRoute('examples/nextjs-edge/app/api/aegislog/[...path]/route.ts', env);
  chat = await loadEdgeRoute('examples/nextjs-edge/app/api/chat/route.ts', env);
});

afterAll(async () => {
  await api?.close();
  await redis?.close();
});

beforeEach(() => api.setDown(false));

const queuedInRedis = () => [...redis.data.keys()].filter((k) => k.startsWith('aegislog:q'));

async function ask(prompt: string): Promise<string> {
  const res = await chat.call('POST', 'https://app.example.com/api/chat', { body: JSON.stringify({ prompt, sessionId: 'sess-9' }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { eventId: string }).eventId;
}

describe('Next.js edge example: the client with its queue in Redis', () => {
  it('runs with no Node globals', () => {
    expect(chat.exports.runtime).toBe('edge');
    expect(chat.vm.evaluate('typeof require')).toBe('undefined');
    expect(chat.vm.evaluate('typeof Buffer')).toBe('undefined');
  });

  it('record() in the route, waitUntil(flush): stored and signed by the server on 127.0.0.1, queue emptied', async () => {
    const id = await ask('Is this high-risk?');
    await chat.settle();
    const bundle = await api.evidence(id);
    expect(bundle.event).toMatchObject({ tenant_id: TENANT, event_id: id, prompt_chars: 18 });
    expect(bundle.receipt.signature_b64url).toBeTruthy();
    expect(queuedInRedis()).toEqual([]);
  });

  it('a flush that fails (API down) leaves the event in Redis; the next invocation delivers it', async () => {
    api.setDown(true);
    const lost = await ask('while the API is down');
    await chat.settle();
    expect(api.resets).toBeGreaterThanOrEqual(2);
    expect(queuedInRedis().some((k) => k.endsWith(lost))).toBe(true);
    api.setDown(false);
    expect(await api.evidence(lost)).toBeUndefined();

    const next = await ask('API back');
    await chat.settle();
    expect((await api.evidence(lost)).event.event_id).toBe(lost);
    expect((await api.evidence(next)).event.event_id).toBe(next);
    expect(queuedInRedis()).toEqual([]);
  });
});

describe('Next.js edge example: the relay route', () => {
  it('runs with no Node globals', () => {
    expect(relay.exports.runtime).toBe('edge');
    expect(relay.vm.evaluate('typeof require')).toBe('undefined');
  });

  it('answers a preflight and relays a browser batch with the secret key: stored at the server', async () => {
    const pre = await relay.call('OPTIONS', 'https://app.example.com/api/aegislog/ingest/batch', { headers: { origin: APP, 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(APP);
    const events = [event(), event()];
    const res = await relay.call('POST', 'https://app.example.com/api/aegislog/ingest/batch', {
      headers: { origin: APP, 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
      body: JSON.stringify({ events }),
    });
    expect(res.status).toBe(200);
    for (const e of events) expect((await eventually(() => api.evidence(e.event_id as string))).event).toEqual(e);
  });

  it('bad input -> 400 naming the field, nothing stored', async () => {
    const bad = event({ session_context: { session_id: 's' } });
    const res = await relay.call('POST', 'https://app.example.com/api/aegislog/ingest', {
      headers: { origin: APP, 'content-type': 'application/json' },
      body: JSON.stringify(bad),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('session_context.started_at');
    expect(await api.evidence(bad.event_id as string)).toBeUndefined();
  });

  it('the API down -> 502, so the browser keeps its events and retries', async () => {
    api.setDown(true);
    const res = await relay.call('POST', 'https://app.example.com/api/aegislog/ingest/batch', {
      headers: { origin: APP, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [event()] }),
    });
    expect(res.status).toBe(502);
  });
});
