// The log's vkeys are parsed once by the witness client, not at every submission: each submission
// used to parse them twice (the note it sends, the cosignature it keeps) and a server sends one per
// witness per seal. parseVkey is counted through a module mock; everything else is real.
import { describe, expect, test, vi } from 'vitest';
import type { StoredCheckpoint } from '../../src/server/index.js';
import { inProcess, setup } from './witness-client-support.js';

const parsed = vi.hoisted(() => [] as string[]);
vi.mock('../../src/tlog/vkey.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/tlog/vkey.js')>();
  return { ...real, parseVkey: (text: string) => (parsed.push(text), real.parseVkey(text)) };
});

describe('witness client: the log keys', () => {
  test('are parsed once, however many checkpoints it submits', async () => {
    const { log, store, wstore, handler, errors, client } = await setup(8);
    const c = client('https://witness.test', { fetch: inProcess(handler) });
    parsed.length = 0; // the witness's own, at its start
    const ofLog = () => parsed.filter((text) => log.vkeys.includes(text)).length;
    c.submit();
    await c.idle();
    const first = ofLog();
    for (const size of [16, 24, 32]) {
      store.current = { seq: size, tree_size: size, note: await log.checkpoint(size) } as StoredCheckpoint;
      c.submit();
      await c.idle();
      expect(store.current.note).toContain('— witness.example/w1 ');
    }
    expect(errors).toEqual([]);
    expect((await wstore.latest(log.origin))?.size).toBe(32);
    expect(first).toBeGreaterThan(0);
    expect(ofLog()).toBe(first);
  });
});
