// Issue 11, item 3: two servers on one data folder. `aegislog dev` refuses a folder that another
// live process holds, in one line; the lock dies with its holder (kill -9 included).
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { startDev } from '../../src/cli/dev.js';
import { FolderInUseError } from '../../src/cli/folder-lock.js';
import { bundle, spawnNode, stopChild } from './child.js';
import { tempDir } from './helpers.js';

let cli: string;
beforeAll(async () => {
  cli = await bundle('fixtures/cli.ts');
});

const quiet = { out: () => {}, err: () => {} };
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

test('a second `aegislog dev` on a held folder exits 1 with one line naming the folder and the holder; after kill -9 of the holder the folder is free', async () => {
  const temp = await tempDir();
  const data = join(temp.dir, 'data');
  const first = spawnNode(cli, ['dev', '--port', '0', '--data', data]);
  try {
    await first.waitFor(LISTENING);
    const second = spawnNode(cli, ['dev', '--port', '0', '--data', data]);
    expect(await second.exited).toEqual({ code: 1, signal: null });
    const lines = second.output().trim().split('\n');
    expect(lines).toEqual([`aegislog dev: the data folder ${data} is in use by another running server (pid ${first.process.pid}); stop it first, or choose another --data`]);

    first.process.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const third = spawnNode(cli, ['dev', '--port', '0', '--data', data]);
    try {
      const [, url] = await third.waitFor(LISTENING);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await stopChild(third, 'SIGTERM');
    }
  } finally {
    await stopChild(first);
    await temp.remove();
  }
});

test('in one process too: a second startDev on the folder is refused, the holder keeps serving, and stop() frees it', async () => {
  const temp = await tempDir();
  try {
    const options = { host: '127.0.0.1', port: 0, dataDir: temp.dir, period: 86400, sync: 'normal' as const };
    const dev = await startDev(options, quiet);
    const refused = await startDev(options, quiet).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FolderInUseError);
    expect((await fetch(`${dev.url}/healthz`)).status).toBe(200); // the holder is unharmed
    await dev.stop();
    const again = await startDev(options, quiet);
    await again.stop();
  } finally {
    await temp.remove();
  }
});
