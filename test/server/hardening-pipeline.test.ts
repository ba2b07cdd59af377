// The Node adapter against a client that pipelines requests (HTTP/1.1 allows it) and does not read
// the answers: Node parses every request of a packet and used to start every handler at once, so
// one anonymous connection held hundreds of built answers in memory for as long as it stayed open.
// Requests of one connection are now answered one at a time, at most 16 wait behind the current
// one, and a connection that stops reading is cut after `sendTimeout`. Real sockets on 127.0.0.1.
import { connect, type Socket } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { listen, type NodeServerHandle } from '../../src/server/node.js';

const handles: NodeServerHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close(100);
});

async function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => done(socket));
    socket.once('error', fail);
  });
}

const closed = (socket: Socket): Promise<void> => new Promise<void>((done) => (socket.destroyed ? done() : socket.once('close', () => done())));
const gets = (n: number, path = '/big') => Array.from({ length: n }, () => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`).join('');

test('pipelined requests whose answers nobody reads: one handler runs, and the connection is cut after sendTimeout', async () => {
  let calls = 0;
  let cut!: () => void;
  const cancelled = new Promise<void>((done) => (cut = done));
  const chunk = new Uint8Array(1024 * 1024);
  // 64 MiB each, streamed: more than the socket buffers of both ends take, so it cannot be written out.
  // The adapter cancels the stream when the connection goes: that is how the test sees the cut.
  const answer = () => {
    let sent = 0;
    return new Response(new ReadableStream({ pull: (c) => (sent++ < 64 ? c.enqueue(chunk) : c.close()), cancel: () => cut() }));
  };
  const http = await listen(async () => (calls++, answer()), { port: 0, limits: { sendTimeout: 300 } });
  handles.push(http);
  const socket = await open(http.url);
  socket.on('error', () => {});
  socket.pause(); // reads nothing
  socket.write(gets(10));
  await cancelled;
  socket.destroy();
  // Before: all ten handlers ran at once (each answer held until sent), and the connection stayed open.
  expect(calls).toBe(1);
});

test('more than 16 requests queued behind a busy one: the connection is cut, the queued handlers never run', async () => {
  let calls = 0;
  let release!: () => void;
  const busy = new Promise<void>((done) => (release = done));
  const http = await listen(
    async () => {
      calls++;
      await busy;
      return new Response('ok');
    },
    { port: 0 },
  );
  handles.push(http);
  const socket = await open(http.url);
  socket.on('error', () => {});
  socket.write(gets(40, '/slow'));
  await closed(socket);
  release();
  expect(calls).toBe(1);
});

test('a few pipelined requests are all answered, in order (the one-at-a-time queue keeps HTTP/1.1 pipelining working)', async () => {
  const http = await listen(async (request) => new Response(new URL(request.url).pathname), { port: 0 });
  handles.push(http);
  const socket = await open(http.url);
  let text = '';
  const answers = new Promise<string>((done) => {
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if ((text.match(/HTTP\/1\.1 200/g) ?? []).length === 3 && text.includes('/c')) done(text);
    });
  });
  socket.write(['/a', '/b', '/c'].map((p) => `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`).join(''));
  const all = await answers;
  socket.destroy();
  expect([all.indexOf('/a'), all.indexOf('/b'), all.indexOf('/c')].every((at, i, list) => at > 0 && (i === 0 || at > list[i - 1]!))).toBe(true);
});
