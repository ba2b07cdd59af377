// `aegislog mirror` against a host whose history names a tree of 2^53−1 entries (a hostile host, a broken
// proxy): a 200-byte answer. The mirror built the list of every tile of that tree before fetching the first,
// and the process died out of memory (V8's fatal error, no message of its own). The tiles are now walked one at
// a time: the first one the host does not serve ends the run, exit 2, naming it. A child process with a
// small heap, as an operator's would be, against a real HTTP server.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, spawnNode } from '../server/child.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-mirror-huge-'));
let server: Server;
let url: string;
const note = 'log.example/huge\n9007199254740991\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u2014 log.example/huge AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n';
const history = JSON.stringify({ v: 2, origin: 'log.example/huge', checkpoints: [{ period_start: '2026-11-28T09:00:00.000000Z', tree_size: Number.MAX_SAFE_INTEGER, note }] });

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url!.startsWith('/checkpoints')) return void response.writeHead(200, { 'content-type': 'application/json' }).end(history);
    response.writeHead(404).end('no such tile\n');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

describe('aegislog mirror: a history that names a tree of 2^53−1 entries', () => {
  it('fetches the first tile and stops at the host\'s 404, exit 2, in a small heap', async () => {
    const child = spawnNode(await bundle('fixtures/cli.ts'), ['mirror', '--from', url, '--to', join(dir, 'out')], { NODE_OPTIONS: '--max-old-space-size=96' });
    const { code, signal } = await child.exited;
    expect({ code, signal, first: child.output().split('\n')[0] }).toEqual({ code: 2, signal: null, first: `aegislog mirror: ${url}/tile/0/000 answered 404: no such tile` });
  }, 60_000);
});
