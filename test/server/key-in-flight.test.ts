// A key's requests in flight are capped (`limits.keyInFlight`): its rate bucket admits every request
// that arrives while a unit is left, so a thousand slow 2 MiB bodies could be held at once for one key.
// Real HTTP on 127.0.0.1: requests are held open by not finishing their bodies.
import { request as httpRequest } from 'node:http';
import type { ClientRequest } from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { KEYS, start } from './helpers.js';
import type { Running } from './helpers.js';

const CAP = 3;
let s: Running;
beforeAll(async () => {
  s = await start({ limits: { keyInFlight: CAP, keyRatePerSecond: 0 } });
});
afterAll(() => s.stop());

interface Held {
  request: ClientRequest;
  /** The answer's status and body, once the server answers. */
  answer: Promise<{ status: number; body: string }>;
}

/** A batch whose body is begun and not finished: the server holds it while it waits for the rest. */
function hold(key = KEYS.ingest): Held {
  const url = new URL(`${s.url}/ingest/batch`);
  const request = httpRequest({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    agent: false,
    headers: { 'x-api-key': key, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
  });
  const answer = new Promise<{ status: number; body: string }>((done, fail) => {
    request.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode!, body }));
    });
    request.on('error', fail);
  });
  request.write('{"events":[');
  return { request, answer };
}

const probe = (key = KEYS.ingest) => s.call('/ingest/batch', { key, json: { events: [] } });

/** Probes until one is refused: the held requests are admitted once the server has read their headers. Bounded. */
async function refusedProbe(): Promise<Response> {
  for (let i = 0; i < 500; i++) {
    const response = await probe();
    if (response.status === 429) return response;
    expect(response.status).toBe(200);
  }
  throw new Error('the held requests were never all admitted');
}

/** Probes until one is admitted again (the server lets go of a request as it answers or loses it). Bounded. */
async function admittedProbe(): Promise<Response> {
  for (let i = 0; i < 500; i++) {
    const response = await probe();
    if (response.status !== 429) return response;
  }
  throw new Error('no slot was ever released');
}

test('with CAP requests of one key held open, the next gets 429 rate_limited with Retry-After at once; another key is unaffected', async () => {
  const held = Array.from({ length: CAP }, () => hold());
  const refused = await refusedProbe();
  expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  const { error } = (await refused.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe('rate_limited');
  expect(error.message).toContain(String(CAP));
  // Another key has its own count.
  expect((await probe(KEYS.read)).status).toBe(200);
  // The held ones are still open, and finish normally: then a new request is admitted.
  for (const h of held) h.request.end(']}');
  for (const h of held) expect((await h.answer).status).toBe(200);
  expect((await probe()).status).toBe(200);
});

test('a held request that fails (bad JSON) or whose client goes away releases its slot', async () => {
  const bad = hold();
  const gone = Array.from({ length: CAP - 1 }, () => hold());
  await refusedProbe();
  bad.request.end('}');
  expect((await bad.answer).status).toBe(400);
  expect((await probe()).status).toBe(200);
  // The other CAP - 1 are still held: one more fills the cap.
  const last = hold();
  await refusedProbe();
  for (const h of [...gone, last]) {
    h.answer.catch(() => undefined);
    h.request.destroy();
  }
  expect((await admittedProbe()).status).toBe(200);
  // All CAP slots are free again.
  const again = Array.from({ length: CAP }, () => hold());
  await refusedProbe();
  for (const h of again) h.request.end(']}');
  for (const h of again) expect((await h.answer).status).toBe(200);
});
