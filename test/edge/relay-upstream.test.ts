// The relay of examples/cloudflare-worker in real workerd (miniflare), its endpoint NOT the API's ingest
// routes: a path the API does not serve (404), and a host that redirects (301, 307) to another origin.
// Such an answer is a deployment fault, not the browser's: passed through, a 404 or 405 would make the
// browser client dead-letter good events (it drops on any 4xx but 408, 413 and 429), and a followed
// redirect would carry the relay's secret key to the host the Location names.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { bundleWorker, readWrangler, requireDist, startWorker } from './workerd.js';
import { INGEST_KEY, startReference, type Reference } from './reference.js';
import { event } from './upstream.js';

const APP = 'https://app.example.com';
const config = readWrangler('examples/cloudflare-worker/wrangler.json');

interface Hit {
  method: string;
  url: string;
  key: string | undefined;
}

/** A node:http server on 127.0.0.1 that records what reaches it and answers with `answer`. */
async function listen(answer: (url: string, res: import('node:http').ServerResponse) => void): Promise<{ url: string; hits: Hit[]; server: Server }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push({ method: req.method!, url: req.url!, key: req.headers['x-api-key'] as string | undefined });
      answer(req.url!, res);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server };
}

let api: Reference;
let elsewhere: Awaited<ReturnType<typeof listen>>;
let redirector: Awaited<ReturnType<typeof listen>>;
const workers: Miniflare[] = [];

async function relayTo(endpoint: string): Promise<Miniflare> {
  const mf = await startWorker(await bundleWorker('examples/cloudflare-worker/worker.ts'), config, { AEGISLOG_ENDPOINT: endpoint, AEGISLOG_API_KEY: INGEST_KEY });
  workers.push(mf);
  return mf;
}

beforeAll(async () => {
  requireDist('edge.js', 'index.js');
  api = await startReference();
  // Another origin: it answers as the API would, so a followed redirect would look like success.
  elsewhere = await listen((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"receipts":[],"errors":[]}'));
  // Redirects /<status>/… to the other origin with that status.
  redirector = await listen((url, res) => res.writeHead(Number(url.split('/')[1]), { location: `${elsewhere.url}${url}` }).end());
});

afterAll(async () => {
  for (const mf of workers) await mf.dispose();
  await api?.close();
  for (const s of [elsewhere, redirector]) s?.server.closeAllConnections(), s?.server.close();
});

async function postBatch(mf: Miniflare, path = '/aegislog/ingest/batch') {
  const res = await mf.dispatchFetch(`https://worker.example${path}`, {
    method: 'POST',
    headers: { origin: APP, 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.9' },
    body: JSON.stringify({ events: [event()] }),
  });
  return { status: res.status, text: await res.text() };
}

describe('relay in workerd: an endpoint that is not the API', () => {
  it('a path the API does not serve (its 404) is a 502 the browser retries, naming neither the upstream URL nor its path', async () => {
    const mf = await relayTo(`${api.url}/v1`);
    const { status, text } = await postBatch(mf);
    expect(status).toBe(502);
    expect(JSON.parse(text).error.code).toBe('bad_gateway');
    expect(text).not.toContain('/v1');
    expect(text).not.toContain('127.0.0.1');
  });

  it.each([301, 307])('a %i redirect to another origin is not followed: the key stays home, the browser gets a 502', async (code) => {
    const mf = await relayTo(`${redirector.url}/${code}`);
    const before = elsewhere.hits.length;
    const { status, text } = await postBatch(mf);
    expect(redirector.hits.at(-1)).toMatchObject({ method: 'POST', url: `/${code}/ingest/batch`, key: INGEST_KEY });
    expect(elsewhere.hits.slice(before)).toEqual([]);
    expect(status).toBe(502);
    expect(JSON.parse(text).error.code).toBe('bad_gateway');
    expect(text).not.toContain('127.0.0.1');
  });
});
