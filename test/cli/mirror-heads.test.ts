// `aegislog mirror --tenant` against a server whose heads answer (GET /logs/<ID>/heads) is not what an
// AegisLog server sends (a proxy's error page, another service, a hostile host): a line that is not
// JSON, or not a head, is one line naming the heads file and the line, exit 2, never a bare
// SyntaxError or TypeError; a line without end (an endless stream) is refused without being read to
// its end. A real server's heads, however many, are mirrored line by line. Real HTTP on 127.0.0.1.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorCommand } from '../../src/cli/mirror.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-mirror-heads-'));
const HUGE = 256 * 1024 * 1024;
const CHUNK = Buffer.alloc(1024 * 1024, 0x20); // spaces: one line that never ends
const history = { v: 2, origin: 'log.example/x', checkpoints: [{ period_start: '2026-01-01T00:00:00Z', tree_size: 5, note: 'log.example/x\n5\n\n' }] };
const head = (index: number, size: number) => JSON.stringify({ tenant_head: { tenant_id: 't1', period_start: '2026-01-01T00:00:00Z', prev_tree_size: 0, tree_size: size }, head_index: index });
/** What GET /logs/t1/heads answers, per test: a body, or 'endless'. */
let heads = '';
let endless: Promise<{ sent: number }> | undefined;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url!;
    if (path.startsWith('/checkpoints')) return void response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(history));
    if (path === '/tile/0/000.p/5') return void response.writeHead(200).end(Buffer.alloc(32 * 5));
    if (path === '/tile/entries/000.p/5') return void response.writeHead(200).end(Buffer.alloc(34 * 5));
    if (path === '/.well-known/aegislog/vkeys') return void response.writeHead(200).end('log.example/x+01234567+AQ\n');
    const tile = /^\/logs\/t1\/tile\/(0|entries)\/000\.p\/(\d)$/.exec(path);
    if (tile) return void response.writeHead(200).end(Buffer.alloc((tile[1] === '0' ? 32 : 34) * Number(tile[2])));
    if (path === '/logs/t1/heads') {
      if (heads === 'endless') return void (endless = stream(response));
      return void response.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(heads);
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

function stream(response: ServerResponse): Promise<{ sent: number }> {
  let sent = 0;
  response.writeHead(200, { 'content-type': 'application/x-ndjson' });
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

let run = 0;
async function mirror() {
  const io = fakeIO();
  const out = join(dir, `out${run++}`);
  const code = await mirrorCommand.run(['--from', url, '--to', out, '--tenant', 't1', '--api-key', 'k'], io);
  return { code, err: io.stderr.join('\n'), out };
}

describe('aegislog mirror: a tenant heads answer', () => {
  it('mirrors every head of a real answer, line by line', async () => {
    heads = `${head(0, 2)}\n${head(1, 3)}\n`;
    const { code, err, out } = await mirror();
    expect([code, err]).toEqual([0, '']);
    expect(readFileSync(join(out, 'logs/t1/heads'), 'utf8')).toBe(heads);
    expect(readFileSync(join(out, 'logs/t1/tile/0/000.p/3')).length).toBe(96);
  });

  it.each([
    ['a line that is not JSON', `${head(0, 2)}\n<html>Bad gateway</html>\n`, /^aegislog mirror: logs\/t1\/heads line 2 is not JSON/],
    ['a line that is no head', `{"head_index":0}\n`, /^aegislog mirror: logs\/t1\/heads line 1 is not a tenant head/],
    ['a head with a tree size that is not a count', `${head(0, 2).replace('"tree_size":2', '"tree_size":-1')}\n`, /^aegislog mirror: logs\/t1\/heads line 1 is not a tenant head/],
    ['a JSON value that is not an object', `null\n`, /^aegislog mirror: logs\/t1\/heads line 1 is not a tenant head/],
  ])('%s: exit 2 naming the line', async (_, body, message) => {
    heads = body;
    const { code, err, out } = await mirror();
    expect([code, err]).toEqual([2, expect.stringMatching(message)]);
    expect(readdirSync(join(out, 'logs/t1'))).toEqual([]); // no heads file, and no part of one
  });

  it('a line without end: exit 2 naming it, the rest not read', async () => {
    heads = 'endless';
    const { code, err } = await mirror();
    expect([code, err]).toEqual([2, expect.stringMatching(/^aegislog mirror: logs\/t1\/heads line 1 has more than 1048576 bytes/)]);
    expect((await endless)!.sent).toBeLessThan(HUGE);
  });
});
