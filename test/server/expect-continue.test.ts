// `Expect: 100-continue` (curl sends it for large bodies, as do .NET and the AWS SDKs): the client sends
// its headers and waits for "100 Continue" before the body. The Node adapter must say it only once the
// handler reads the body: a request refused before that (no key, a declared size over the limit, a wrong
// Content-Type) is answered at once, and its body never crosses the network. Real sockets on 127.0.0.1.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, listen, localSigner, memoryStore } from '../../src/server/node.js';
import type { NodeServerHandle } from '../../src/server/node.js';
import { KEYS, KEY_CONFIG, ORIGIN } from './helpers.js';

let http: NodeServerHandle;

beforeAll(async () => {
  const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: ORIGIN, keys: KEY_CONFIG, onError: () => {} });
  await server.ready;
  http = await listen(server, { port: 0 });
});
afterAll(() => http.close());

/** A raw connection: what it has received so far, and a wait for what it should receive next. */
async function open(): Promise<{ socket: Socket; received: () => string; until: (pattern: RegExp) => Promise<string> }> {
  const { hostname, port } = new URL(http.url);
  const socket = await new Promise<Socket>((done, fail) => {
    const s = connect({ host: hostname, port: Number(port) }, () => done(s));
    s.once('error', fail);
  });
  let text = '';
  let closed = false;
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  socket.on('data', (d: Buffer) => ((text += d.toString('latin1')), wake()));
  socket.on('error', () => {});
  socket.on('close', () => ((closed = true), wake()));
  const until = async (pattern: RegExp) => {
    while (!pattern.test(text)) {
      if (closed) throw new Error(`closed before ${pattern}; received: ${text}`);
      await new Promise<void>((w) => waiters.push(w));
    }
    return text;
  };
  return { socket, received: () => text, until };
}

/** A whole final answer (not the 100): its head, then a JSON body, chunked (its last chunk) or not (its last brace). */
const ANSWER = /HTTP\/1\.1 (?!100)\d{3} [^]*?\r\n\r\n[^]*(?:\r\n0\r\n\r\n|\}$)/;

function head(path: string, length: number, headers: Record<string, string>): string {
  const lines = Object.entries({ host: '127.0.0.1', 'content-length': String(length), expect: '100-continue', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `POST ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

describe('Expect: 100-continue', () => {
  test.each([
    ['no key', {}, 401],
    ['a declared size over the batch limit (1 MiB)', { 'x-api-key': KEYS.ingest, 'content-length': String(5 * 1024 * 1024) }, 413],
    ['a Content-Type that is not JSON', { 'x-api-key': KEYS.ingest, 'content-type': 'text/csv' }, 415],
  ])('%s: answered at once, with no "100 Continue" first, so the client never sends the body', async (_, headers, status) => {
    const { socket, until } = await open();
    socket.write(head('/ingest/batch', 1000, { 'content-type': 'application/json', ...headers }));
    const text = await until(ANSWER);
    expect(text.startsWith(`HTTP/1.1 ${status} `), text.slice(0, 80)).toBe(true);
    // Without the 100 the client may still send the body, or close: the server closes after the answer.
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    socket.destroy();
  });

  test('a body the handler reads: "100 Continue" once it starts to read, then the answer', async () => {
    const { socket, until } = await open();
    const body = JSON.stringify({ events: [{ event_type: 'continued', event_id: `c-${Date.now()}`, trace_id: 't' }] });
    socket.write(head('/ingest/batch', Buffer.byteLength(body), { 'x-api-key': KEYS.ingest, 'content-type': 'application/json' }));
    await until(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
    socket.write(body);
    const text = await until(ANSWER);
    expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toMatch(/^HTTP\/1\.1 200 /);
    socket.destroy();
  });
});
