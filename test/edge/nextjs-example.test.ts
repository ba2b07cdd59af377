// examples/nextjs-edge AS WRITTEN, bundled like Next.js bundles edge routes and run in Vercel's Edge Runtime.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEdgeRoute, type EdgeRoute } from './edge-vm.js';
import { requireDist } from './workerd.js';
import { serve, type Served } from './serve.js';
import { event, recordingUpstream } from './upstream.js';

const APP = 'https://app.example.com';
let upstream: Served;
const recorded = recordingUpstream();
let route: EdgeRoute;

beforeAll(async () => {
  requireDist('edge.js');
  upstream = await serve((req) => recorded.fetch(req));
  route = await loadEdgeRoute('examples/nextjs-edge/app/api/aegislog/[...path]/route.ts', {
    AEGISLOG_ENDPOINT: upstream.url,
    AEGISLOG_API_KEY: 'sk_secret',
    APP_ORIGINS: APP,
  });
});

afterAll(async () => {
  await upstream?.close();
});

describe('Next.js edge example: relay route', () => {
  it('declares the edge runtime and runs with no Node globals', () => {
    expect(route.exports.runtime).toBe('edge');
    expect(route.vm.evaluate('typeof require')).toBe('undefined');
    expect(route.vm.evaluate('typeof Buffer')).toBe('undefined');
  });

  it('answers a preflight and relays a browser batch to the API on 127.0.0.1 with the secret key', async () => {
    const pre = await route.call('OPTIONS', 'https://app.example.com/api/aegislog/ingest/batch', { headers: { origin: APP, 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    const events = [event(), event()];
    const res = await route.call('POST', 'https://app.example.com/api/aegislog/ingest/batch', {
      headers: { origin: APP, 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
      body: JSON.stringify({ events }),
    });
    expect(res.status).toBe(200);
    expect(recorded.seen.at(-1)!.headers.get('x-api-key')).toBe('sk_secret');
    expect(recorded.seen.at(-1)!.body).toEqual({ events });
  });

  it('bad input -> 400 naming the field', async () => {
    const res = await route.call('POST', 'https://app.example.com/api/aegislog/ingest', {
      headers: { origin: APP, 'content-type': 'application/json' },
      body: JSON.stringify(event({ session_context: { session_id: 's' } })),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('session_context.started_at');
  });
});
