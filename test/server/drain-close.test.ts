// A body refused before it was read, on a request that asks to close the connection (`Connection:
// close`), as Python's urllib (the original Python SDK's HTTP client) sends with every request, the
// whole body before it reads the answer. Node closes such a connection as soon as the answer is
// out; with the body still arriving, the client's kernel got a reset and dropped the answer, and
// the SDK saw "Network error: [Errno 32] Broken pipe" instead of the 413 that tells it why.
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createServer, listen, localSigner, memoryStore } from '../../src/server/node.js';
import type { NodeServerHandle } from '../../src/server/node.js';
import { KEYS, KEY_CONFIG, ORIGIN } from './helpers.js';

let http: NodeServerHandle;
beforeAll(async () => {
  const server = createServer({ signer: await localSigner(), store: memoryStore(), origin: ORIGIN, keys: KEY_CONFIG });
  await server.ready;
  http = await listen(server, { port: 0 });
});
afterAll(() => http.close());

/** urllib's way: headers, the whole body, then read the answer to the end; any socket error is reported. */
async function sendAllThenRead(headers: string, bodyBytes: number): Promise<{ answer: string; error?: string; serverClosed: boolean }> {
  const { hostname, port } = new URL(http.url);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.pause(); // nothing read until the body is sent
  let error: string | undefined;
  socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
  const closed = new Promise<void>((done) => socket.once('close', () => done()));
  await new Promise<void>((done) => socket.once('connect', () => done()));
  socket.write(headers);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = 0; sent < bodyBytes && !error; sent += chunk.length) {
    if (!socket.write(chunk)) await Promise.race([new Promise((r) => socket.once('drain', r)), closed]);
  }
  let answer = '';
  let serverClosed = false;
  socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
  socket.once('end', () => (serverClosed = true)); // the server's FIN: it closed, the client did not
  socket.resume();
  await closed;
  return { answer, ...(error === undefined ? {} : { error }), serverClosed };
}

test('Connection: close, 8 MiB sent whole before reading: the client reads the 413, then the server closes the connection', async () => {
  const size = 8 * 1024 * 1024;
  const head = `POST /ingest HTTP/1.1\r\nHost: x\r\nX-Api-Key: ${KEYS.ingest}\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`;
  const { answer, error, serverClosed } = await sendAllThenRead(head, size);
  expect(error).toBeUndefined();
  expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  expect(answer).toMatch(/\r\nconnection: close\r\n/i);
  expect(answer).toContain('"payload_too_large"');
  expect(serverClosed).toBe(true);
});

test('Connection: close without a key: the 401 is read too', async () => {
  const size = 8 * 1024 * 1024;
  const head = `POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`;
  const { answer, error, serverClosed } = await sendAllThenRead(head, size);
  expect(error).toBeUndefined();
  expect(answer).toMatch(/^HTTP\/1\.1 401 /);
  expect(serverClosed).toBe(true);
});
