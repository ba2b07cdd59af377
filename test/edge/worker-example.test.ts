// examples/cloudflare-worker/worker.ts AS WRITTEN, bundled like wrangler and run in real workerd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { bundleWorker, readWrangler, requireDist, startWorker } from './workerd.js';
import { serve, type Served } from './serve.js';
import { event, recordingUpstream } from './upstream.js';

const APP = 'https://app.example.com';
let mf: Miniflare;
let upstream: Served;
const recorded = recordingUpstream();

beforeAll(async () => {
  requireDist('edge.js', 'index.js');
  upstream = await serve((req) => recorded.fetch(req));
  const config = readWrangler('examples/cloudflare-worker/wrangler.json');
  mf = await startWorker(await bundleWorker('examples/cloudflare-worker/worker.ts'), config, {
    AEGISLOG_ENDPOINT: upstream.url,
    AEGISLOG_API_KEY: 'sk_secret',
  });
});

afterAll(async () => {
  await mf?.dispose();
  await upstream?.close();
});

describe('Cloudflare Worker example: relay', () => {
  it('relays a browser batch to the API on 127.0.0.1 with the secret key', async () => {
    const events = [event(), event()];
    const res = await mf.dispatchFetch('https://worker.example/aegislog/ingest/batch', {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.9' },
      body: JSON.stringify({ events }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    const last = recorded.seen.at(-1)!;
    expect(last.headers.get('x-api-key')).toBe('sk_secret');
    expect(last.body).toEqual({ events });
  });

  it('bad input -> 400 naming the field', async () => {
    const before = recorded.seen.length;
    const res = await mf.dispatchFetch('https://worker.example/aegislog/ingest/batch', {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [event({ performance_metrics: { confidence_score: 1.5 } })] }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { field: string } };
    expect(body.error.field).toBe('events[0].performance_metrics.confidence_score');
    expect(recorded.seen.length).toBe(before);
  });
});
