/**
 * DNS rebinding against a self-hosted relay: an attacker's page on a name of their own, rebound to the
 * relay's address, posts with Origin = Host = that name. Same-origin must never be judged from the Host
 * header (the server's rule, docs/server.md "Threat model"): the relay runs here under the project's own
 * Node adapter (`listen`, which builds request.url from the Host header) on 127.0.0.1, over real HTTP.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createRelay, type RelayOptions } from '../../src/edge/index.js';
import { listen, type NodeServerHandle } from '../../src/server/node.js';
import { event, recordingUpstream } from './upstream.js';

let served: NodeServerHandle | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

async function start(options: Partial<RelayOptions> = {}) {
  const upstream = recordingUpstream();
  const relay = createRelay({ endpoint: 'https://api.example.com', apiKey: 'sk_ingest', allowedOrigins: ['https://app.example.com'], fetch: upstream.fetch, ...options });
  served = await listen(relay, { host: '127.0.0.1', port: 0 });
  return { port: served.port, seen: upstream.seen };
}

/** A POST as a browser sends it: `host` is the name the page's URL used, `origin` the page's. */
function post(port: number, host: string, origin: string, method = 'POST'): Promise<{ status: number; body: string; allow: string | undefined }> {
  const body = JSON.stringify({ events: [event()] });
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path: '/aegislog/ingest/batch', headers: { host, origin, 'content-type': 'application/json', 'access-control-request-method': 'POST' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text, allow: res.headers['access-control-allow-origin'] as string | undefined }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? body : undefined);
  });
}

describe('relay: same-origin is never judged from the Host header (DNS rebinding)', () => {
  it('refuses a page whose Origin equals the Host it rebound to the relay, and forwards nothing', async () => {
    const { port, seen } = await start();
    const rebound = `rebound.attacker.example:${port}`;
    const answer = await post(port, rebound, `http://${rebound}`);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).error.code).toBe('origin_not_allowed');
    expect(answer.allow).toBeUndefined();
    const preflight = await post(port, rebound, `http://${rebound}`, 'OPTIONS');
    expect(preflight.status).toBe(403);
    expect(seen).toHaveLength(0);
  });

  it('still takes the pages of a listed origin, whatever the Host', async () => {
    const { port, seen } = await start({ allowedOrigins: ['https://app.example.com'] });
    const answer = await post(port, 'app.example.com', 'https://app.example.com');
    expect(answer.status).toBe(200);
    expect(answer.allow).toBe('https://app.example.com');
    expect(seen).toHaveLength(1);
  });
});
