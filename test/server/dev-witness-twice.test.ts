// `aegislog dev` with the same witness given twice (--witness URL=VKEY twice, or the local witness's line
// copied from policy.txt beside --with-witness): the server started and wrote a policy.txt, "the policy an
// auditor pins", that lists the key twice, which every tlog-policy reader refuses ("duplicate witness"):
// `aegislog verify --policy DIR/policy.txt` could check nothing. Refused at start instead, naming --witness.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startDev } from '../../src/cli/dev.js';
import { parsePolicy } from '../../src/tlog/policy.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { tempDir } from './helpers.js';

const quiet = { out: () => {}, err: () => {} };

test('the same witness key given twice to dev is a usage error, and no policy.txt is written', async () => {
  const temp = await tempDir();
  const { vkey } = await generateNoteSigningKey('w.example/w1', NoteKeyType.CosignatureV1);
  const dataDir = join(temp.dir, 'data');
  const witnesses = [{ url: 'http://127.0.0.1:1', vkey }, { url: 'http://127.0.0.1:2/w', vkey }];
  const started = await startDev({ host: '127.0.0.1', port: 0, dataDir, period: 86400, sync: 'normal', witnesses }, quiet).catch((e: unknown) => e);
  if (started && typeof (started as { stop?: unknown }).stop === 'function') {
    await (started as { stop(): Promise<void> }).stop();
    // What it wrote is what an auditor would pin.
    const written = await readFile(join(dataDir, 'policy.txt'), 'utf8');
    expect(() => parsePolicy(written)).not.toThrow();
  }
  expect(started).toMatchObject({ name: 'UsageError', message: expect.stringMatching(/^--witness http:\/\/127\.0\.0\.1:2\/w=.* is the witness key of --witness http:\/\/127\.0\.0\.1:1/) });
  expect(existsSync(join(dataDir, 'policy.txt'))).toBe(false);
});
