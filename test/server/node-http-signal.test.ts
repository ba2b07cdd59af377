// The Node adapter aborts `request.signal` when the client goes away before its answer, as Deno,
// Bun and workerd do: a Web handler (an export, a long wait) learns it and stops. Real sockets on 127.0.0.1.
import { afterEach, expect, test } from 'vitest';
import { listen, type NodeServerHandle } from '../../src/server/node.js';

const handles: NodeServerHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close(100);
});

/** A handler that waits until its request's signal aborts (or the test lets it go), noting what it saw. */
function waitingHandler() {
  const seen: { method: string; reason: unknown }[] = [];
  let arrived!: () => void;
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  let aborted!: () => void;
  const abort = new Promise<void>((resolve) => (aborted = resolve));
  const handler = async (request: Request): Promise<Response> => {
    arrived();
    await new Promise<void>((resolve) => {
      if (request.signal.aborted) return resolve();
      request.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    seen.push({ method: request.method, reason: request.signal.reason });
    aborted();
    return new Response('too late');
  };
  return { handler, seen, arrival, abort };
}

for (const method of ['GET', 'POST']) {
  test(`${method}: request.signal aborts when the client leaves before the answer`, async () => {
    const h = waitingHandler();
    const http = await listen(h.handler, { port: 0 });
    handles.push(http);
    const client = new AbortController();
    const request = fetch(`${http.url}/wait`, { method, signal: client.signal, ...(method === 'POST' ? { body: '{}' } : {}) });
    request.catch(() => {});
    await h.arrival;
    client.abort();
    await h.abort;
    expect(h.seen).toEqual([{ method, reason: expect.objectContaining({ name: 'AbortError' }) }]);
  });
}

test('an answered request keeps its signal unaborted, also after its connection closes', async () => {
  const signals: AbortSignal[] = [];
  const http = await listen(async (request) => (signals.push(request.signal), new Response('ok')), { port: 0 });
  handles.push(http);
  const answer = await fetch(`${http.url}/now`, { method: 'POST', body: '{}', headers: { connection: 'close' } });
  expect(await answer.text()).toBe('ok');
  await http.close(100);
  handles.length = 0;
  expect(signals.map((s) => s.aborted)).toEqual([false]);
});

test('a streamed answer made after the client left is cancelled, not written to the closed socket for ever', async () => {
  let cancelled!: () => void;
  const cancel = new Promise<void>((resolve) => (cancelled = resolve));
  let pulls = 0;
  const h = waitingHandler();
  const http = await listen(async (request) => {
    await h.handler(request); // returns once the client has gone
    return new Response(new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new Uint8Array(64 * 1024));
      },
      cancel: () => cancelled(),
    }));
  }, { port: 0 });
  handles.push(http);
  const client = new AbortController();
  fetch(`${http.url}/export`, { signal: client.signal }).catch(() => {});
  await h.arrival;
  client.abort();
  await cancel;
  expect(pulls).toBeLessThanOrEqual(1); // the stream's start may pull once ahead; nothing more is made
});
