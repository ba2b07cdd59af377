import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NOTE_KEY_FILE, loadOrCreateNoteKey, readNoteKeyFile, writeNoteKeyFile } from '../../src/server/note-key-file.js';
import { generateNoteSigningKey } from '../../src/verify/note-signers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aegislog-note-key-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('note key file', () => {
  it('is made once with mode 0600 and read back the same; a comment names its vkey', async () => {
    const key = await loadOrCreateNoteKey(dir, 'dev.example/log');
    const path = join(dir, NOTE_KEY_FILE);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toBe(`# Ed25519 note key of the log dev.example/log (keep secret; vkey: ${key.vkey})\n${key.skey}\n`);
    expect((await loadOrCreateNoteKey(dir, 'dev.example/log')).skey).toBe(key.skey);
  });

  it('refuses a key file of another origin, one readable by others, and a bad line (named)', async () => {
    await loadOrCreateNoteKey(dir, 'dev.example/log');
    await expect(loadOrCreateNoteKey(dir, 'other.example/log')).rejects.toMatchObject({ code: 'ERR_KEY_INVALID', message: expect.stringMatching(/origin "dev.example\/log", not "other.example\/log"/) });
    const path = join(dir, NOTE_KEY_FILE);
    await chmod(path, 0o644);
    await expect(readNoteKeyFile(path)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID', message: expect.stringMatching(/chmod 600/) });
    await chmod(path, 0o600);
    await writeFile(path, '# c\n\nPRIVATE+KEY+x+00000000+AA==\n');
    await expect(readNoteKeyFile(path)).rejects.toMatchObject({ code: 'ERR_VKEY_INVALID', message: expect.stringMatching(/line 3:/) });
    await writeFile(path, '# nothing\n');
    await expect(readNoteKeyFile(path)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    await expect(readNoteKeyFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
  });

  it('writes several keys, refuses to overwrite unless told, and keeps 0600 when replacing', async () => {
    const path = join(dir, 'witness.key');
    const a = await generateNoteSigningKey('w.example', 0x04);
    const b = await generateNoteSigningKey('w.example', 0x06);
    await writeNoteKeyFile(path, [a, b]);
    expect((await readNoteKeyFile(path)).map((k) => k.vkey)).toEqual([a.vkey, b.vkey]);
    await expect(writeNoteKeyFile(path, [a])).rejects.toMatchObject({ code: 'EEXIST' });
    await chmod(path, 0o640);
    await writeNoteKeyFile(path, [a], { replace: true });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readNoteKeyFile(path)).toHaveLength(1);
  });
});
