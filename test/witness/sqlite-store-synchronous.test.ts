/**
 * A misspelt `synchronous` ('Normal', 'off') was taken as FULL without a word, where the log server's sqliteStore
 * refuses it as ERR_CONFIG naming the option: an operator who asked for NORMAL never learned it was not applied.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { witnessSqliteStore } from '../../src/witness/node.js';

it.each([['Normal'], ['off'], [1]])('witnessSqliteStore with synchronous %j is refused with ERR_CONFIG naming it, before any file is made', async (synchronous) => {
  const folder = '/nonexistent-folder-for-a-refused-witness-store';
  await expect(witnessSqliteStore(join(folder, 'w.sqlite'), { synchronous } as never)).rejects.toMatchObject({ name: 'AegisLogError', code: 'ERR_CONFIG', field: 'synchronous' });
  expect(existsSync(folder)).toBe(false);
});
