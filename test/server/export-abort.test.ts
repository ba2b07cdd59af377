// An export in rate debt waits between pages; a client that went away used to leave it waiting out
// the whole debt. The clock is frozen (injected `now`), so the debt is never paid during the test:
// whatever ends the wait here is the client going away.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { KEYS, TENANT, clock, event, start } from './helpers.js';
import type { Running } from './helpers.js';

let s: Running;
beforeAll(async () => {
  // A burst of 5 units: an export's first page (500 lines, 62.5 units) leaves the key in debt.
  s = await start({ now: clock().now, limits: { keyRatePerSecond: 1, keyRateBurst: 5, keyInFlight: 1 } });
  // 501 receipts: a second page, which the export waits to send. Two keys, each spending its own burst.
  for (const [key, n] of [[KEYS.ingest, 500], [KEYS.admin, 1]] as const) {
    const response = await s.call('/ingest/batch', { key, json: { events: Array.from({ length: n }, () => event()) } });
    expect(response.status).toBe(200);
  }
});
afterAll(() => s.stop());

const exportPath = `/export?tenant_id=${TENANT}`;

/** Reads until the header and the first page (501 lines) are in: the server has charged the page and waits. */
async function readFirstPage(body: ReadableStream<Uint8Array>): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const reader = body.getReader();
  let lines = 0;
  while (lines < 501) {
    const { done, value } = await reader.read();
    if (done) throw new Error('the export ended early');
    for (const byte of value) if (byte === 0x0a) lines++;
  }
  return reader;
}

async function errorOf(response: Response) {
  return { status: response.status, ...((await response.json()) as { error: { code: string; message: string } }).error };
}

test('an export waiting out its debt holds its slot until its client goes; then it lets go at once, debt or not', async () => {
  const client = new AbortController();
  const response = await s.call(exportPath, { key: KEYS.read, signal: client.signal });
  expect(response.status).toBe(200);
  const reader = await readFirstPage(response.body!);
  // Waiting: it is the key's one request in flight.
  const held = await errorOf(await s.call(exportPath, { key: KEYS.read }));
  expect(held).toMatchObject({ status: 429, code: 'rate_limited' });
  expect(held.message).toContain('in flight');
  client.abort();
  await reader.closed.catch(() => undefined);
  // The slot comes back (the Node adapter sees the socket close) while the debt still stands: the next
  // request is refused for the key's rate, no longer for its request in flight. Bounded.
  let message = held.message;
  for (let i = 0; i < 500 && message.includes('in flight'); i++) message = (await errorOf(await s.call(exportPath, { key: KEYS.read }))).message;
  expect(message).toContain('units/s');
});

test('a host that signals the abort on the Request (request.signal): the export stops waiting and its body ends', async () => {
  // Another key, so that the test above leaves nothing in its way.
  const client = new AbortController();
  const response = await s.server.fetch(new Request(`${s.url}${exportPath}`, { headers: { 'x-api-key': KEYS.admin }, signal: client.signal }));
  expect(response.status).toBe(200);
  const reader = await readFirstPage(response.body!);
  client.abort();
  // Settles (an error or the end) instead of waiting out the debt, which the frozen clock never pays.
  await reader.read().then(
    (result) => expect(result.done).toBe(true),
    (error: unknown) => expect(error).toBeDefined(),
  );
});
