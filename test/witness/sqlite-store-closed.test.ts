/**
 * A closed SQLite witness store refuses its calls as the file store does (ERR_CLOSED), not with
 * better-sqlite3's TypeError: a witness whose store was closed under it (a shutdown with a request in
 * flight) fails with the project's error, which says what happened.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { witnessSqliteStore } from '../../src/witness/node.js';
import { tempDir } from './store-factories.js';

const dir = tempDir('aegislog-sqlite-closed-');

describe('sqlite store after close', () => {
  it('refuses latest, update and refusals with ERR_CLOSED; a second close does nothing', async () => {
    const store = await witnessSqliteStore(join(dir(), 'w.sqlite'), { synchronous: 'normal' });
    await store.update('o', () => ({ write: { origin: 'o', size: 1, root: new Uint8Array(32), note: 'n\n', time: 1 }, result: null }));
    await store.close?.();
    await expect(store.update('o', () => ({ result: 1 }))).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(store.latest('o')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(store.refusals('o')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(store.close?.()).resolves.toBeUndefined();
  });
});
