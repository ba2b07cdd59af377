// A folder given where a file is read: `aegislog dev --keys DIR` and `aegislog witness --logs DIR` said node's bare
// "EISDIR: illegal operation on a directory, read" after the file's name. They now say it in words, in one line
// naming the file, exit 2, as the auditor commands do ("cannot read DIR: it is a directory").
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { writeNoteKeyFile } from '../../src/server/note-key-file.js';
import { NoteKeyType } from '../../src/tlog/vkey.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';
import { fakeIO } from './fake-io.js';

const dir = mkdtempSync(join(tmpdir(), 'aegislog-folder-as-file-'));
const folder = join(dir, 'a-folder');
mkdirSync(folder, { mode: 0o700 }); // not readable by others: the keys file's mode check passes, and its read fails
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a folder given as a file', () => {
  it('dev --keys DIR: exit 2, one line naming the file', async () => {
    const io = fakeIO();
    const code = await main(['dev', '--data', join(dir, 'dev-data'), '--port', '0', '--keys', folder], io);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.join('\n').split('\n')[0]).toBe(`aegislog dev: cannot read the keys file ${folder}: it is a directory`);
    expect(code).toBe(2);
  });

  it('witness --logs DIR: exit 2, one line naming the file', async () => {
    const key = join(dir, 'witness.key');
    await writeNoteKeyFile(key, [await generateNoteSigningKey('w.example/w1', NoteKeyType.CosignatureV1)]);
    const io = fakeIO();
    const code = await main(['witness', '--data', join(dir, 'witness-data'), '--port', '0', '--key', key, '--logs', folder], io);
    expect(io.stdout).toEqual([]);
    expect(io.stderr.join('\n').split('\n')[0]).toBe(`aegislog witness: cannot read ${folder}: it is a directory`);
    expect(code).toBe(2);
  });
});
