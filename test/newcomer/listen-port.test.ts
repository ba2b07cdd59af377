// docs/deploy.md's server.mjs listens on `Number(process.env.PORT ?? 8787)`, and an embedding app may pass
// process.env.PORT as it is. A PORT that is no number made listen() throw Node's RangeError (NaN), or, given
// as text, made Node take it for the path of a UNIX socket: a file of that name in the working folder, and
// a URL saying `http://127.0.0.1:undefined`. docs/errors.md: every error the library throws is an
// AegisLogError, a bad option ERR_CONFIG naming it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listen } from '../../src/server/node.js';

const handler = async () => new Response('{}');
const dir = mkdtempSync(join(tmpdir(), 'aegislog-listen-port-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('listen with a port that is none', () => {
  it.each([
    ['NaN (Number() of a PORT that is no number)', NaN],
    ['beyond 65535', 70000],
    ['a fraction', 80.5],
    // Here with the folder in front, so that a socket made by mistake is made in the test's folder, not the repository.
    ['text that is no number (PORT given as it is)', join(dir, '8o80')],
  ])('%s: ERR_CONFIG naming port, and nothing made', async (_what, port) => {
    await expect(listen(handler, { host: '127.0.0.1', port: port as number })).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'port' });
    expect(existsSync(join(dir, '8o80'))).toBe(false);
  });

  it('a port given as decimal text still listens there, as Node takes it', async () => {
    const http = await listen(handler, { host: '127.0.0.1', port: '0' as unknown as number });
    try {
      expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(http.url)).status).toBe(200);
    } finally {
      await http.close();
    }
  });
});
