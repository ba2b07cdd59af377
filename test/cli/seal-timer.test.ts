import { describe, expect, it, vi } from 'vitest';
import { sealTimer } from '../../src/cli/host.js';
import type { AegisServer } from '../../src/server/node.js';
import { fakeIO } from './fake-io.js';

/** A server whose only seal stays under way until the test lets it finish. */
function serverWithHeldSeal() {
  let calls = 0;
  let finish!: () => void;
  const held = new Promise<void>((resolve) => (finish = resolve));
  const server = {
    nextSealAt: () => Date.now(),
    sealDue: async () => {
      calls++;
      await held;
      return [{ period_start: '2026-12-03T08:45:30.000Z', period_end: '2026-12-03T08:45:32.000Z', tree_size: 1 }];
    },
  } as unknown as AegisServer;
  return { server, finish, calls: () => calls };
}

async function until(condition: () => boolean): Promise<void> {
  for (let tries = 0; !condition(); tries++) {
    if (tries > 500) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('sealTimer', () => {
  it('stop() waits for a seal under way, so the store closes after it, and starts no other', async () => {
    const io = fakeIO();
    const { server, finish, calls } = serverWithHeldSeal();
    const timer = sealTimer(server, io, 'dev');
    await until(() => calls() === 1);
    let stopped = false;
    const stopping = timer.stop().then(() => (stopped = true));
    for (let turn = 0; turn < 10; turn++) await new Promise((r) => setImmediate(r)); // every pending callback has run
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(io.stdout).toEqual(['sealed 2026-12-03T08:45:30.000Z .. 2026-12-03T08:45:32.000Z (root log size 1)']);
    expect(calls()).toBe(1);
  });

  it('stop() before the first seal resolves at once, and the timer it cleared never seals', async () => {
    vi.useFakeTimers();
    try {
      const io = fakeIO();
      let calls = 0;
      const server = { nextSealAt: () => Date.now(), sealDue: async () => (calls++, []) } as unknown as AegisServer;
      await sealTimer(server, io, 'dev').stop();
      await vi.advanceTimersByTimeAsync(5_000); // past the seal that was due, and any retry after it
      expect(calls).toBe(0);
      expect(io.stdout).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
