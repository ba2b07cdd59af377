// `aegislog mirror` without --since into a folder that holds the mirror of another history: the same
// origin restored from a backup (what `--since` refuses), or another log. Tiles are kept when their file
// exists, so the run kept the old history's tiles under the new history's checkpoint: exit 0, and a
// folder whose tiles no longer hash to its checkpoint. Refused instead, exit 2, the folder as it was.
// A rerun of the same log into its own mirror goes on. Real servers and a real folder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorCommand } from '../../src/cli/mirror.js';
import { KEYS, clock, event, start, tempDir, type Running } from '../server/helpers.js';
import { fakeIO } from './fake-io.js';

const time = clock(Date.UTC(2026, 10, 28, 9, 0, 0));
let old: Running;
let restored: Running;
let temp: Awaited<ReturnType<typeof tempDir>>;
let mirrorDir: string;

async function sealOne(s: Running, events: number) {
  const response = await s.call('/ingest/batch', { key: KEYS.ingest, json: { events: Array.from({ length: events }, () => event()) } });
  expect(response.status).toBe(200);
  time.advance(3600_000);
  expect(await s.server.sealDue()).toHaveLength(1);
}

beforeAll(async () => {
  temp = await tempDir();
  mirrorDir = join(temp.dir, 'mirror');
  old = await start({ now: time.now, period: 3600 });
  restored = await start({ now: time.now, period: 3600 });
  await sealOne(old, 2);
  await sealOne(old, 2);
  for (let i = 0; i < 3; i++) await sealOne(restored, 3);
});
afterAll(async () => {
  try {
    await old?.stop();
    await restored?.stop();
  } finally {
    await temp?.remove();
  }
});

async function mirror(from: string) {
  const io = fakeIO();
  const code = await mirrorCommand.run(['--from', from, '--to', mirrorDir], io);
  return { code, io };
}

const files = () => ['checkpoints', 'checkpoint', 'vkeys', 'tile/0/000.p/2'].map((f) => readFileSync(join(mirrorDir, f), 'utf8'));

describe('aegislog mirror into a folder that holds another history', () => {
  it('refuses it, exit 2, publishing nothing; the same log again goes on', async () => {
    expect((await mirror(old.url)).code).toBe(0);
    const kept = files();
    const { code, io } = await mirror(restored.url);
    expect(code).toBe(2);
    expect(io.stderr[0]).toContain('is not the mirror\'s');
    expect(files()).toEqual(kept);
    await sealOne(old, 1);
    const again = await mirror(old.url);
    expect([again.code, again.io.stderr]).toEqual([0, []]);
    expect(again.io.text()).toMatch(/^mirrored \d+ checkpoints/);
  });
});
