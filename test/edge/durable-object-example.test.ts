// examples/cloudflare-durable-object AS WRITTEN in real workerd: the client in a Durable Object,
// its queue in the object's storage, delivering to the reference server on 127.0.0.1.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { FLUSH_TRIES, bundleWorker, eventually, readWrangler, requireDist, startWorker } from './workerd.js';
import { READ_KEY, TENANT, startReference, type Reference } from './reference.js';

let mf: Miniflare;
let api: Reference;

beforeAll(async () => {
  requireDist('index.js');
  api = await startReference();
  mf = await startWorker(await bundleWorker('examples/cloudflare-durable-object/worker.ts'), readWrangler('examples/cloudflare-durable-object/wrangler.json'), {
    AEGISLOG_ENDPOINT: api.url,
    AEGISLOG_API_KEY: READ_KEY,
    AEGISLOG_RETRY_SECONDS: '3',
  });
});

afterAll(async () => {
  await mf?.dispose();
  await api?.close();
});

beforeEach(() => api.setDown(false));

async function chat(sessionId: string, prompt: string): Promise<string> {
  const res = await mf.dispatchFetch('https://worker.example/chat', { method: 'POST', body: JSON.stringify({ prompt, sessionId }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { eventId: string }).eventId;
}

describe('Durable Object example: the queue in Durable Object storage', () => {
  it('record() then flush: stored and signed by the server', async () => {
    const id = await chat('session-a', 'hello');
    const bundle = await eventually(() => api.evidence(id));
    expect(bundle.event).toMatchObject({ tenant_id: TENANT, event_id: id, session_context: { session_id: 'session-a' } });
  });

  it('a flush that fails is retried by the next invocation of the same object', async () => {
    api.setDown(true);
    const lost = await chat('session-b', 'while down');
    await eventually(() => (api.resets >= FLUSH_TRIES ? true : undefined));
    // The failed flush sets its retry alarm 3 s (AEGISLOG_RETRY_SECONDS) after this point, not before.
    const failedAt = Date.now();
    api.setDown(false);
    expect(await api.evidence(lost)).toBeUndefined();
    const next = await chat('session-b', 'back');
    const delivered = await eventually(() => api.evidence(lost));
    // Stored before the alarm could have fired: the next invocation's flush took it.
    expect(Date.parse(delivered.receipt.received_at)).toBeLessThan(failedAt + 3000);
    expect((await eventually(() => api.evidence(next))).event.event_id).toBe(next);
  });

  it('with no further request, the alarm set by the failed flush delivers it', async () => {
    api.setDown(true);
    const lost = await chat('session-c', 'nobody comes back');
    await eventually(() => (api.resets >= FLUSH_TRIES ? true : undefined));
    api.setDown(false);
    expect((await eventually(() => api.evidence(lost), 12_000)).event.event_id).toBe(lost);
  });
});
