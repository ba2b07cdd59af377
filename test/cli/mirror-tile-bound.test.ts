// `aegislog mirror` reads each tile whole before it checks its length: a tile is at most 8 KiB (an entry
// bundle 8.5 KiB), but a server that answers a tile path with a body of gigabytes (a hostile host, a proxy's
// endless stream) was read into memory to the end, and only then refused. Now no more than the tile's bytes
// are read: a longer body is refused (exit 2, naming the tile) without being read; so are a history page and the
// vkeys (bounded at 64 MiB and 1 MiB), which were read whole. Real HTTP on 127.0.0.1.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorCommand } from '../../src/cli/mirror.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-mirror-bound-'));
const HUGE = 256 * 1024 * 1024;
const CHUNK = Buffer.alloc(1024 * 1024);
let server: Server;
let url: string;
let tile: Promise<{ sent: number }> | undefined;
let refusal: Promise<{ sent: number }> | undefined;
let history: Promise<{ sent: number }> | undefined;
let vkeys: Promise<{ sent: number }> | undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url!.startsWith('/refusing/')) {
      // A refusal whose body never ends (a proxy's stream, a hostile host): only its first words are shown.
      refusal = stream(response, 503);
      return;
    }
    if (request.url!.startsWith('/huge-history/checkpoints')) {
      history = stream(response);
      return;
    }
    if (request.url === '/huge-vkeys/.well-known/aegislog/vkeys') {
      vkeys = stream(response);
      return;
    }
    if (request.url === '/huge-vkeys/tile/0/000.p/5') return void response.writeHead(200).end(Buffer.alloc(160));
    if (request.url === '/huge-vkeys/tile/entries/000.p/5') return void response.writeHead(200).end(Buffer.alloc(34 * 5));
    if (request.url!.replace(/^\/huge-vkeys/, '').startsWith('/checkpoints')) {
      const history = { v: 2, origin: 'log.example/x', checkpoints: [{ period_start: '2026-01-01T00:00:00Z', tree_size: 5, note: 'log.example/x\n5\n\n' }] };
      return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(history));
    }
    if (request.url === '/tile/0/000.p/5') {
      // Streamed (no Content-Length), a MiB at a time as the client takes them.
      tile = stream(response);
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

function stream(response: ServerResponse, status = 200): Promise<{ sent: number }> {
  let sent = 0;
  response.writeHead(status, { 'content-type': 'application/octet-stream' });
  const more = () => {
    while (sent < HUGE && !response.destroyed) {
      sent += CHUNK.length;
      if (sent >= HUGE) return void response.end(CHUNK);
      if (!response.write(CHUNK)) return void response.once('drain', more);
    }
  };
  more();
  return new Promise((resolve) => response.once('close', () => resolve({ sent })));
}

describe('aegislog mirror: a tile answered with a huge body', () => {
  it('is refused without being read to its end', async () => {
    const io = fakeIO();
    const code = await mirrorCommand.run(['--from', url, '--to', join(dir, 'out')], io);
    expect(code).toBe(2);
    expect(io.stderr[0]).toMatch(/^aegislog mirror: tile\/0\/000\.p\/5 has more than 160 bytes/);
    // The client went away before the server could send it all: it did not read 256 MiB to find 160 bytes.
    expect((await tile)!.sent).toBeLessThan(HUGE);
  });

  it('a refusal with a huge body: exit 2 with its first bytes, the rest not read', async () => {
    const io = fakeIO();
    const code = await mirrorCommand.run(['--from', `${url}/refusing/`, '--to', join(dir, 'out2')], io);
    expect(code).toBe(2);
    expect(io.stderr[0]).toMatch(/^aegislog mirror: http:\/\/127\.0\.0\.1:\d+\/refusing\/checkpoints\?from=0&to=1000 answered 503: /);
    expect((await refusal)!.sent).toBeLessThan(HUGE);
  });

  it('a history page or vkeys answered with a huge body: exit 2 naming it, the rest not read', async () => {
    const io = fakeIO();
    expect(await mirrorCommand.run(['--from', `${url}/huge-history/`, '--to', join(dir, 'out3')], io)).toBe(2);
    expect(io.stderr[0]).toMatch(/^aegislog mirror: checkpoints\?from=0&to=1000 has more than 67108864 bytes/);
    expect((await history)!.sent).toBeLessThan(HUGE);
    const io2 = fakeIO();
    expect(await mirrorCommand.run(['--from', `${url}/huge-vkeys/`, '--to', join(dir, 'out4')], io2)).toBe(2);
    expect(io2.stderr[0]).toMatch(/^aegislog mirror: \.well-known\/aegislog\/vkeys has more than 1048576 bytes/);
    expect((await vkeys)!.sent).toBeLessThan(HUGE);
  });
});
