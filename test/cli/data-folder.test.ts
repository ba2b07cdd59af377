// `aegislog dev --data DIR` and `aegislog witness --data DIR` where DIR cannot be a folder (a file
// is in the way, or under it): refused naming the flag, exit 2, not node's bare "EEXIST: file
// already exists, mkdir" (exit 1). Real commands in process, real files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-data-folder-'));
const file = join(dir, 'a-file');
writeFileSync(file, 'not a folder\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a --data folder that cannot be made', () => {
  it.each([
    ['dev', file],
    ['dev', join(file, 'inside')],
    ['witness', file],
  ])('%s --data %s: exit 2, naming --data', async (command, data) => {
    const io = fakeIO();
    const extra = command === 'witness' ? ['--key', join(dir, 'no-key'), '--logs', join(dir, 'no-logs')] : [];
    // The witness reads its key before its folder: give it one, so that the folder is what fails.
    if (command === 'witness') {
      const { generateNoteSigningKey } = await import('../../src/verify/note-signers.js');
      const { writeNoteKeyFile } = await import('../../src/server/note-key-file.js');
      const { NoteKeyType } = await import('../../src/tlog/vkey.js');
      rmSync(join(dir, 'no-key'), { force: true });
      await writeNoteKeyFile(join(dir, 'no-key'), [await generateNoteSigningKey('w.example/w1', NoteKeyType.CosignatureV1)]);
      const log = await generateNoteSigningKey('log.example/a', NoteKeyType.Ed25519);
      writeFileSync(join(dir, 'no-logs'), `${log.vkey}\n`);
    }
    const code = await main([command, '--data', data, '--port', '0', ...extra], io);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.join('\n').split('\n')[0]).toBe(`aegislog ${command}: --data ${data}: cannot make the data folder (a file is in the way)`);
    expect(code).toBe(2);
  });
});
