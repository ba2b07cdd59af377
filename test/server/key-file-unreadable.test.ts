// A data folder's signing-key.jwk that is there but cannot be read: a symlink to a secret not mounted (yet),
// say. The note key beside it (note-signing-key) is refused then as ERR_KEY_INVALID
// "cannot read <path>: …"; the signing key threw node's raw ENOENT instead, which neither named
// the key nor carried the project's code, so `aegislog dev` printed "ENOENT: no such file or directory, stat …".
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { AegisLogError } from '../../src/protocol/index.js';
import { KEY_FILE, localSigner } from '../../src/server/key-file.js';
import { loadOrCreateNoteKey, NOTE_KEY_FILE } from '../../src/server/note-key-file.js';
import { tempDir } from './helpers.js';

const outcome = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => e);

test('a signing-key.jwk that is a dangling symlink is refused as ERR_KEY_INVALID naming the file, as the note key is', async () => {
  const temp = await tempDir();
  try {
    await symlink(join(temp.dir, 'secrets', 'not-mounted.jwk'), join(temp.dir, KEY_FILE));
    await symlink(join(temp.dir, 'secrets', 'not-mounted.key'), join(temp.dir, NOTE_KEY_FILE));
    const note = await outcome(loadOrCreateNoteKey(temp.dir, 'log.example/a'));
    expect(note).toMatchObject({ code: 'ERR_KEY_INVALID', message: expect.stringContaining(`cannot read ${join(temp.dir, NOTE_KEY_FILE)}: `) });
    const error = await outcome(localSigner({ dir: temp.dir }));
    expect(error).toBeInstanceOf(AegisLogError);
    expect(error).toMatchObject({ code: 'ERR_KEY_INVALID', field: 'dir', message: expect.stringContaining(`cannot read ${join(temp.dir, KEY_FILE)}: `) });
  } finally {
    await temp.remove();
  }
});
