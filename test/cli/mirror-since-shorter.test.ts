// `aegislog mirror --since SEQ` against a server whose history ends before checkpoint SEQ−1 (a log restored
// from an older backup, or a new log under the same origin): the mirror holds a checkpoint the server no
// longer has, so the server's history is not the mirror's. One checkpoint short, its page was empty and the
// run "mirrored" the folder's own history, publishing the other server's vkeys beside it, exit 0. Real
// servers and a real folder.
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

async function sealOne(s: Running) {
  const response = await s.call('/ingest/batch', { key: KEYS.ingest, json: { events: [event(), event()] } });
  expect(response.status).toBe(200);
  time.advance(3600_000);
  expect(await s.server.sealDue()).toHaveLength(1);
}

beforeAll(async () => {
  temp = await tempDir();
  mirrorDir = join(temp.dir, 'mirror');
  old = await start({ now: time.now, period: 3600 });
  restored = await start({ now: time.now, period: 3600 });
  await sealOne(old);
  await sealOne(old);
});
afterAll(async () => {
  try {
    await old?.stop();
    await restored?.stop();
  } finally {
    await temp?.remove();
  }
});

async function mirror(from: string, args: string[]) {
  const io = fakeIO();
  const code = await mirrorCommand.run(['--from', from, '--to', mirrorDir, ...args], io);
  return { code, io };
}

describe('aegislog mirror --since against a server whose history is shorter than the mirror\'s', () => {
  it('refuses it, exit 2, publishing nothing', async () => {
    expect((await mirror(old.url, [])).code).toBe(0);
    const kept = ['checkpoints', 'checkpoint', 'vkeys'].map((f) => readFileSync(join(mirrorDir, f), 'utf8'));
    // No checkpoint at all (--since 1), then one short of the mirror's two (--since 2).
    for (const since of ['1', '2']) {
      if (since === '2') await sealOne(restored);
      const { code, io } = await mirror(restored.url, ['--since', since]);
      expect([since, code]).toEqual([since, 2]);
      expect(io.stderr[0]).toContain(`has no checkpoint ${Number(since) - 1}`);
      expect(['checkpoints', 'checkpoint', 'vkeys'].map((f) => readFileSync(join(mirrorDir, f), 'utf8'))).toEqual(kept);
    }
  });
});
