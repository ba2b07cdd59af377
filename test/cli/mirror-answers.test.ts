// `aegislog mirror` against a server whose answers are not what an AegisLog server sends (a proxy's
// error page, another service on that port, a hostile host), and against a mirror folder whose saved
// history was damaged: each is one line naming what is wrong, exit 2, never a bare TypeError.
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorCommand } from '../../src/cli/mirror.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-mirror-answers-'));
let server: Server;
let url: string;
/** What GET /checkpoints answers, per test. */
let history = '';

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url!.startsWith('/checkpoints')) return void response.writeHead(200, { 'content-type': 'application/json' }).end(history);
    response.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

async function mirror(...args: string[]) {
  const io = fakeIO();
  const code = await mirrorCommand.run(['--from', url, '--to', join(dir, 'out'), ...args], io);
  return { code, err: io.stderr, out: io.stdout };
}

describe('aegislog mirror: answers that are no checkpoint history', () => {
  it.each([
    ['an object without checkpoints', '{"v":2,"origin":"log.example/x"}'],
    ['an array', '[]'],
    ['null', 'null'],
    ['a checkpoint that is not an object', '{"v":2,"origin":"log.example/x","checkpoints":[7]}'],
    ['not JSON', '<html>502 Bad Gateway</html>'],
  ])('%s: exit 2, naming the URL', async (_name, body) => {
    history = body;
    const { code, err, out } = await mirror();
    expect(out).toEqual([]);
    expect(code).toBe(2);
    expect(err).toEqual([expect.stringMatching(new RegExp(`^aegislog mirror: ${url}/checkpoints\\?from=0&to=1000 is not a checkpoint history \\(GET /checkpoints\\)`))]);
    expect(err[0]).not.toMatch(/TypeError|Cannot read|not iterable|undefined/);
  });

  it('--since with a saved history that is damaged: exit 2, naming the file', async () => {
    const folder = join(dir, 'saved');
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder);
    writeFileSync(join(folder, 'checkpoints'), '{"v":2}\n');
    const io = fakeIO();
    const code = await mirrorCommand.run(['--from', url, '--to', folder, '--since', '1'], io);
    expect(code).toBe(2);
    expect(io.stderr).toEqual([`aegislog mirror: --since 1: the mirror's history ${join(folder, 'checkpoints')} is not a checkpoint history`]);
  });
});
