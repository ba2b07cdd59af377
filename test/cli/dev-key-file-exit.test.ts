// `aegislog dev` whose data folder holds a key file it cannot use (signing-key.jwk or note-signing-key readable
// by other users, or damaged): unusable input, exit 2 with one line naming the file, as the same folder's
// dev-keys.json readable by others already is, and as serve's --signing-key and --note-key are
// (key-file-exit.test.ts). It exited 1, the exit of a server that ran and failed, which a supervisor
// restarts in a loop rather than report. Real commands in process, real files.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-dev-key-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A data folder made by a first start that stopped, then `change` done to it. */
async function folder(name: string, change: (data: string) => void): Promise<string> {
  const data = join(dir, name);
  const { startDev } = await import('../../src/cli/dev.js');
  const dev = await startDev({ host: '127.0.0.1', port: 0, dataDir: data, period: 86400, sync: 'normal' }, { out: () => {}, err: () => {} });
  await dev.stop();
  change(data);
  return data;
}

describe('aegislog dev with a key file in its folder that it cannot use: exit 2', () => {
  it.each([
    ['signing-key.jwk readable by others', (d: string) => chmodSync(join(d, 'signing-key.jwk'), 0o644), /signing-key\.jwk is readable by other users; run chmod 600 on it$/],
    ['note-signing-key readable by others', (d: string) => chmodSync(join(d, 'note-signing-key'), 0o644), /note-signing-key is readable by other users; run chmod 600 on it$/],
    ['signing-key.jwk that is no key', (d: string) => writeFileSync(join(d, 'signing-key.jwk'), 'hello\n', { mode: 0o600 }), /signing-key\.jwk is not a private P-256 JSON Web Key$/],
  ])('%s', async (name, change, message) => {
    const data = await folder(name.replace(/\W+/g, '-'), change);
    const io = fakeIO();
    const code = await main(['dev', '--data', data, '--port', '0', '--sync', 'normal'], io);
    expect(io.stderr.join('\n').split('\n')[0]).toMatch(message);
    expect(code).toBe(2);
  });
});
