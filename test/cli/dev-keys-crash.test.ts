// `aegislog dev` makes its demo API keys file whole or not at all: created empty and then written,
// a start that died between left an empty dev-keys.json that every later start refused. The crash
// is simulated by a writeFile that creates its file and dies before writing any of it, for that file only.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { startDev } from '../../src/cli/dev.js';
import { tempDir } from '../server/helpers.js';
import { fakeIO } from './fake-io.js';

const crash = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs/promises', async (original) => {
  const { crashingFs } = await import('../support/crashing-fs.js');
  return crashingFs(await original(), crash, 'dev-keys.json');
});

let temp: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  temp = await tempDir();
});
afterEach(async () => {
  crash.on = false;
  await temp.remove();
});

test('a start that died writing dev-keys.json leaves none: the next start makes the keys', async () => {
  const dataDir = join(temp.dir, 'data');
  const options = { host: '127.0.0.1', port: 0, dataDir, period: 3600, readers: 0 };
  crash.on = true;
  await expect(startDev(options, fakeIO())).rejects.toThrow('simulated crash');
  crash.on = false;
  expect((await readdir(dataDir)).filter((name) => name.includes('dev-keys'))).toEqual([]);
  const dev = await startDev(options, fakeIO());
  try {
    const written = JSON.parse(await readFile(join(dataDir, 'dev-keys.json'), 'utf8')) as { scope: string }[];
    expect(written.map((k) => k.scope)).toEqual(['ingest', 'read', 'admin']);
    expect(dev.keys).toEqual(written);
  } finally {
    await dev.stop();
  }
});
