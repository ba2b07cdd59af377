// Key files are created all or nothing: a start that dies while writing one used to leave an empty
// file (created exclusively, then written), which every later start refused. A failed write is
// simulated by a writeFile that creates its file and dies before writing any of it.
import { readdir, utimes, writeFile as realWriteFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { KEY_FILE, loadOrCreateSigningJwk } from '../../src/server/key-file.js';
import { NOTE_KEY_FILE, loadOrCreateNoteKey } from '../../src/server/note-key-file.js';
import { tempDir } from './helpers.js';

const crash = vi.hoisted(() => ({ on: false }));
/** A filesystem without hard links (FAT, some network mounts): link() fails with EPERM. */
const noLinks = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs/promises', async (original) => {
  const { crashingFs } = await import('../support/crashing-fs.js');
  const fs = await original<typeof import('node:fs/promises')>();
  const link: typeof fs.link = async (from, to) => {
    if (noLinks.on) throw Object.assign(new Error(`EPERM: operation not permitted, link '${String(from)}' -> '${String(to)}'`), { code: 'EPERM' });
    return fs.link(from, to);
  };
  return crashingFs(fs, crash, () => true, { link });
});

let temp: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  temp = await tempDir();
});
afterEach(async () => {
  crash.on = false;
  await temp.remove();
});

const ORIGIN = 'evidence.test.example/log';

test('a start that died while writing the signing key leaves no key file: the next start makes one', async () => {
  crash.on = true;
  await expect(loadOrCreateSigningJwk(temp.dir)).rejects.toThrow('simulated crash');
  crash.on = false;
  expect(await readdir(temp.dir)).not.toContain(KEY_FILE);
  // A temp file left by a real crash (the simulated one removes its own) is no obstacle.
  await realWriteFile(join(temp.dir, `${KEY_FILE}.leftover.tmp`), '', { mode: 0o600 });
  const jwk = await loadOrCreateSigningJwk(temp.dir);
  expect(jwk.d).toEqual(expect.any(String));
  expect(await loadOrCreateSigningJwk(temp.dir)).toEqual(jwk);
});

test('the same for the note key file', async () => {
  crash.on = true;
  await expect(loadOrCreateNoteKey(temp.dir, ORIGIN)).rejects.toThrow('simulated crash');
  crash.on = false;
  expect(await readdir(temp.dir)).not.toContain(NOTE_KEY_FILE);
  await realWriteFile(join(temp.dir, `${NOTE_KEY_FILE}.leftover.tmp`), '{"kty"', { mode: 0o600 });
  const key = await loadOrCreateNoteKey(temp.dir, ORIGIN);
  expect((await loadOrCreateNoteKey(temp.dir, ORIGIN)).skey).toBe(key.skey);
});

test('a start removes the temp files that a crash left beside the key files, not one being written', async () => {
  await loadOrCreateSigningJwk(temp.dir);
  await loadOrCreateNoteKey(temp.dir, ORIGIN);
  const uuid = (n: number) => `0000000${n}-0000-4000-8000-000000000000`;
  // A crash between the write and the link leaves a copy of the secret; between the link and the removal, a second name.
  const left = [`${KEY_FILE}.${uuid(1)}.tmp`, `${NOTE_KEY_FILE}.${uuid(2)}.tmp`];
  // Written a moment ago: maybe another process's first start, in the middle of its write.
  const young = `${KEY_FILE}.${uuid(3)}.tmp`;
  // Not ours: another name, or a name of ours with something else than the temp's random id.
  const others = [`other.jwk.${uuid(4)}.tmp`, `${KEY_FILE}.leftover.tmp`];
  const hourAgo = new Date(Date.now() - 3_600_000);
  for (const name of [...left, young, ...others]) {
    await realWriteFile(join(temp.dir, name), 'secret', { mode: 0o600 });
    if (name !== young) await utimes(join(temp.dir, name), hourAgo, hourAgo);
  }
  await loadOrCreateSigningJwk(temp.dir);
  await loadOrCreateNoteKey(temp.dir, ORIGIN);
  expect((await readdir(temp.dir)).sort()).toEqual([KEY_FILE, NOTE_KEY_FILE, young, ...others].sort());
});

test('concurrent first starts agree on exactly one key, and leave only the key files', async () => {
  const jwks = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateSigningJwk(temp.dir)));
  for (const jwk of jwks) expect(jwk).toEqual(jwks[0]);
  const notes = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateNoteKey(temp.dir, ORIGIN)));
  for (const note of notes) expect(note.skey).toBe(notes[0]!.skey);
  expect((await readdir(temp.dir)).sort()).toEqual([NOTE_KEY_FILE, KEY_FILE].sort());
});

test('an empty or cut key file left by an older version is refused naming it', async () => {
  const path = join(temp.dir, KEY_FILE);
  for (const text of ['', '{"kty":"EC","crv":"P-2']) {
    await realWriteFile(path, text, { mode: 0o600 });
    await expect(loadOrCreateSigningJwk(temp.dir)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID', message: expect.stringContaining(path) });
  }
  const notePath = join(temp.dir, NOTE_KEY_FILE);
  await realWriteFile(notePath, '', { mode: 0o600 });
  await expect(loadOrCreateNoteKey(temp.dir, ORIGIN)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID', message: expect.stringContaining(notePath) });
});

test('a filesystem without hard links still gets its key file, created exclusively', async () => {
  noLinks.on = true;
  try {
    const jwk = await loadOrCreateSigningJwk(temp.dir);
    expect(await loadOrCreateSigningJwk(temp.dir)).toEqual(jwk);
    const notes = await Promise.all(Array.from({ length: 4 }, () => loadOrCreateNoteKey(temp.dir, ORIGIN)));
    for (const note of notes) expect(note.skey).toBe(notes[0]!.skey);
    expect((await readdir(temp.dir)).sort()).toEqual([NOTE_KEY_FILE, KEY_FILE].sort());
  } finally {
    noLinks.on = false;
  }
});
