// `aegislog mirror` of a log with 130,000 checkpoints (three months of --period 60, a day and a half of
// --period 1): the largest size was taken with Math.max(...sizes), which takes no more arguments than the stack
// holds, and the run failed with "Maximum call stack size exceeded" (exit 1) before the first tile. A host that
// pages such a history as GET /checkpoints does (1,000 a page, each page from the last one's final entry), and
// serves no tile: the run reads the whole history and stops at the first tile, exit 2, naming it.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorCommand } from '../../src/cli/mirror.js';
import { fakeIO } from './fake-io.js';

const COUNT = 130_000;
const ORIGIN = 'log.example/many';
const dir = mkdtempSync(join(tmpdir(), 'aegislog-mirror-long-'));
let server: Server;
let url: string;

const zeros = (n: number) => Buffer.alloc(n).toString('base64');
const entry = (i: number) => ({
  period_start: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace('Z', '000Z'),
  tree_size: i + 1,
  note: `${ORIGIN}\n${i + 1}\n${zeros(32)}\n\n\u2014 ${ORIGIN} ${zeros(68)}\n`,
});

beforeAll(async () => {
  server = createServer((request, response) => {
    const asked = new URL(request.url!, 'http://x');
    if (asked.pathname !== '/checkpoints') return void response.writeHead(404).end('no such tile\n');
    const from = Number(asked.searchParams.get('from'));
    const to = Math.min(Number(asked.searchParams.get('to')), COUNT, from + 1000);
    const checkpoints = Array.from({ length: Math.max(0, to - from) }, (_, k) => entry(from + k));
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ v: 2, origin: ORIGIN, checkpoints }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

describe('aegislog mirror: a history of 130,000 checkpoints', () => {
  it('is read whole, and the run goes on to its tiles', async () => {
    const io = fakeIO();
    const code = await mirrorCommand.run(['--from', url, '--to', join(dir, 'out')], io);
    expect({ code, err: io.stderr }).toEqual({ code: 2, err: [`aegislog mirror: ${url}/tile/0/000 answered 404: no such tile`] });
  }, 60_000);
});
