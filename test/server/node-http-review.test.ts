// The Node adapter (src/server/node-http.ts), found in review (2026-12-04). Real sockets on 127.0.0.1.
import { createHook } from 'node:async_hooks';
import { connect } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { createServer, listen, localSigner, memoryStore, type NodeServerHandle, type Store } from '../../src/server/node.js';
import { KEYS, KEY_CONFIG, NOTE_KEY, ORIGIN, event } from './helpers.js';

const handles: NodeServerHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close(100);
});

test('a handler slower than sendTimeout still answers: the timeout is for a client that stops reading, not for the server at work', async () => {
  // The server's own wait (POST /admin/seal waits up to 120 s for a lease held elsewhere, then answers 503)
  // used to be cut at sendTimeout: the socket was idle, so Node destroyed it and the client got no answer.
  const sendTimeout = 100;
  const http = await listen(
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 5 * sendTimeout)); // the server at work, sending nothing
      return new Response('done');
    },
    { port: 0, limits: { sendTimeout } },
  );
  handles.push(http);
  const answer = await fetch(`${http.url}/slow`, { method: 'POST', body: '{}' });
  expect(answer.status).toBe(200);
  expect(await answer.text()).toBe('done');
  // And on the same kept-alive connection, a second time.
  const again = await fetch(`${http.url}/slow`);
  expect(await again.text()).toBe('done');
});

test('HEAD of a streamed answer (an export) sends the headers and stops: it used to read the whole export and throw it away', async () => {
  const inner = memoryStore();
  let pages = 0;
  const store: Store = { ...inner, records: (...args) => (pages++, inner.records(...args)) };
  const server = createServer({ signer: await localSigner(), store, origin: ORIGIN, noteKey: NOTE_KEY, keys: KEY_CONFIG });
  const http = await listen(server, { port: 0 });
  handles.push(http);
  for (let b = 0; b < 4; b++) {
    const events = Array.from({ length: 500 }, () => event());
    const answer = await fetch(`${http.url}/ingest/batch`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEYS.ingest }, body: JSON.stringify({ events }) });
    expect(answer.status).toBe(200);
  }
  // HEAD, then a GET on the same connection: answered in turn, so once the GET's answer is in, the HEAD's is done.
  const { hostname, port } = new URL(http.url);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.on('error', () => {});
  const received = await new Promise<string>((done) => {
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('"origin"')) done(text);
    });
    socket.on('close', () => done(text));
    socket.write(`HEAD /export HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${KEYS.read}\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
  socket.destroy();
  expect(received).toMatch(/^HTTP\/1\.1 200 /);
  expect(received.slice(received.indexOf('\r\n\r\n') + 4)).toMatch(/^HTTP\/1\.1 200 /); // no body after the HEAD's headers
  // 2,000 receipts are 4 pages: the stream reads ahead one at most.
  expect(pages).toBeLessThanOrEqual(1);
});

test('headersTimeout 0 (no limit on headers) with a requestTimeout does not make Node check every connection each millisecond', async () => {
  // The interval was min(1000, headersTimeout): 0 here, which Node runs as a 1 ms interval over all connections.
  const intervals: number[] = [];
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      const timer = resource as { _repeat?: number | null; _idleTimeout?: number };
      if (type === 'Timeout' && typeof timer._repeat === 'number') intervals.push(timer._idleTimeout!);
    },
  }).enable();
  let http: NodeServerHandle;
  try {
    http = await listen(async () => new Response('ok'), { port: 0, limits: { headersTimeout: 0, requestTimeout: 30_000 } });
  } finally {
    hook.disable();
  }
  handles.push(http);
  expect(intervals.length).toBeGreaterThan(0); // Node's connection check
  expect(Math.min(...intervals)).toBeGreaterThanOrEqual(1000);
  expect(await (await fetch(http.url)).text()).toBe('ok');
});

test('connection limits are checked as the server limits are: ERR_CONFIG naming the limit; a misspelt name is refused', async () => {
  const handler = async () => new Response('ok');
  for (const [limits, field] of [
    [{ maxConections: 10 }, 'limits.maxConections'],
    [{ headersTimeout: -1 }, 'limits.headersTimeout'],
    [{ headersTimeout: Number.NaN }, 'limits.headersTimeout'],
    [{ headersTimeout: 5000, requestTimeout: 1000 }, 'limits.requestTimeout'],
  ] as const) {
    await expect(listen(handler, { port: 0, limits: limits as never })).rejects.toMatchObject({ code: 'ERR_CONFIG', field });
  }
  // An undefined limit keeps its default.
  const http = await listen(handler, { port: 0, limits: { headersTimeout: undefined } });
  try {
    expect((await fetch(http.url)).status).toBe(200);
  } finally {
    await http.close();
  }
});

test('a request target such as //checkpoint is a path, not a host: 404 naming it, never another route', async () => {
  const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: ORIGIN, noteKey: NOTE_KEY, keys: KEY_CONFIG });
  const http = await listen(server, { port: 0 });
  handles.push(http);
  const { hostname, port } = new URL(http.url);
  const raw = (target: string) =>
    new Promise<string>((done) => {
      const socket = connect({ host: hostname, port: Number(port) });
      let text = '';
      socket.on('error', () => {});
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.on('close', () => done(text));
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    });
  // As a URL reference, //example.com/checkpoint names the host example.com: it used to answer /checkpoint.
  for (const [target, path] of [['//checkpoint', '//checkpoint'], ['//example.com/checkpoint', '//example.com/checkpoint'], ['//tile/0/000.p/1', '//tile/0/000.p/1']]) {
    const answer = await raw(target!);
    expect(answer, target).toMatch(/^HTTP\/1\.1 404 /);
    expect(answer, target).toContain(`"message":"no route ${path}"`);
  }
  expect(await raw('/checkpoint')).toMatch(/^HTTP\/1\.1 200 /);
});
