// `aegislog dev` on a data folder whose DIR/origin holds no log origin (left empty by a crash or power
// loss on the first start, or edited by hand to "my log"): it was taken as the log's origin, and the start
// failed deep inside with 'invalid key name ""', naming neither the file nor what to do. Refused now as a
// usage error naming DIR/origin, before any key is made.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startDev } from '../../src/cli/dev.js';
import { tempDir } from './helpers.js';

const quiet = { out: () => {}, err: () => {} };

test.each([
  ['empty', ''],
  ['a blank line', '\n'],
  ['an origin with a space', 'my log\n'],
])('a DIR/origin that is %s is refused naming the file', async (_what, text) => {
  const temp = await tempDir();
  const dataDir = join(temp.dir, 'data');
  await mkdir(dataDir);
  await writeFile(join(dataDir, 'origin'), text);
  const refused = await startDev({ host: '127.0.0.1', port: 0, dataDir, period: 86400, sync: 'normal' }, quiet).then(
    async (dev) => (await dev.stop(), 'started'),
    (e: unknown) => e,
  );
  expect(refused).toMatchObject({ name: 'UsageError', message: expect.stringContaining(`${join(dataDir, 'origin')} holds no log origin`) });
  expect(existsSync(join(dataDir, 'note-signing-key'))).toBe(false);
});
