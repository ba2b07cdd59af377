/**
 * An append to refusals.ndjson that fails part way (a full disk) leaves no part line behind: the store finds its
 * later refusals where they are, and the folder opens again. A full disk cannot be made here: `open` is wrapped
 * so that one append writes half its line and then fails with ENOSPC, as a full disk does; the rest is real.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Refusal } from '../../src/witness/store.js';
import { tempDir } from './store-factories.js';

const failing = vi.hoisted(() => ({ next: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = async (path, flags, mode) => {
    const handle = await real.open(path, flags, mode);
    if (!(failing.next && flags === 'a' && String(path).endsWith('refusals.ndjson'))) return handle;
    failing.next = false;
    return Object.assign(Object.create(handle) as typeof handle, {
      async writeFile(data: Uint8Array) {
        await handle.writeFile(data.subarray(0, data.length >> 1));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
      close: () => handle.close(),
    });
  };
  return { ...real, open, default: { ...real, open } };
});

const { witnessFileStore } = await import('../../src/witness/file-store.js');
const dir = tempDir('aegislog-append-failure-');
const refusal = (i: number): Refusal => ({
  origin: 'o', kind: 'same-size-other-root', status: 422, reason: `r${i}`, request: `req ${i}`, time: i, cosigned: { size: 1, root: new Uint8Array(32), note: 'n\n' },
});

describe('file store, an append that fails part way', () => {
  it('keeps what was kept, appends the next where it is found, and the folder opens again', async () => {
    const path = join(dir(), 'f');
    await mkdir(path);
    const store = await witnessFileStore(path);
    await store.update('o', () => ({ refusal: refusal(1), result: null }));
    failing.next = true;
    await expect(store.update('o', () => ({ refusal: refusal(2), result: null }))).rejects.toMatchObject({ code: 'ENOSPC' });
    await store.update('o', () => ({ refusal: refusal(3), result: null }));
    expect(await store.refusals('o')).toEqual([refusal(1), refusal(3)]);
    await store.close?.();
    const again = await witnessFileStore(path);
    expect(await again.refusals('o')).toEqual([refusal(1), refusal(3)]);
    await again.close?.();
  });
});
