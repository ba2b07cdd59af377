// `aegislog dev` on a first start that goes wrong, as a review found it: a bad --origin or a --host
// it cannot listen on was written to DIR/origin before anything checked it (the folder then refused
// every later start), a version-1 folder got new key files before it was refused, and an API keys
// file anyone could read was loaded without a word. startDev in process, real SQLite and sockets.
import Database from 'better-sqlite3';
import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startDev } from '../../src/cli/dev.js';
import { tempDir } from './helpers.js';

const quiet = { out: () => {}, err: () => {} };
const options = (dataDir: string, extra: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port: 0, dataDir, period: 86400, sync: 'normal' as const, ...extra });

test('a bad --origin is refused naming the flag, and leaves no origin: the next start picks its own', async () => {
  const temp = await tempDir();
  try {
    for (const origin of ['a b', 'a+b', '']) {
      const refused = await startDev(options(temp.dir, { origin }), quiet).catch((e: unknown) => e);
      expect(refused, origin).toMatchObject({ name: 'UsageError', message: expect.stringContaining('--origin') });
      expect(existsSync(join(temp.dir, 'origin'))).toBe(false);
    }
    const dev = await startDev(options(temp.dir, { origin: 'log.example.com/acme' }), quiet);
    await dev.stop();
    expect(existsSync(join(temp.dir, 'origin'))).toBe(true);
  } finally {
    await temp.remove();
  }
});

test('a --host it cannot listen on leaves no origin and no note key: the corrected start derives its own', async () => {
  const temp = await tempDir();
  try {
    const bracketed = await startDev(options(temp.dir, { host: '[::1]' }), quiet).catch((e: unknown) => e);
    expect(bracketed).toMatchObject({ name: 'UsageError', message: expect.stringContaining('--host') });
    // A name that does not resolve here: listen fails after the note key was made.
    const unknown = await startDev(options(temp.dir, { host: 'no-such-host.invalid' }), quiet).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(Error);
    expect(existsSync(join(temp.dir, 'origin'))).toBe(false);
    expect(existsSync(join(temp.dir, 'note-signing-key'))).toBe(false);
    const dev = await startDev(options(temp.dir), quiet);
    await dev.stop();
    expect(await readFile(join(temp.dir, 'origin'), 'utf8')).toBe('127.0.0.1/aegislog\n');
  } finally {
    await temp.remove();
  }
});

test('a version-1 folder is refused before any key or origin is written into it', async () => {
  const temp = await tempDir();
  try {
    const db = new Database(join(temp.dir, 'aegislog.db'));
    db.exec('CREATE TABLE events (tenant_id TEXT, event_id TEXT)');
    db.close();
    const refused = await startDev(options(temp.dir), quiet).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ERR_STORE_VERSION' });
    // The folder lock is all it adds (taken before anything is read, released after).
    expect((await readdir(temp.dir)).filter((f) => !f.startsWith('aegislog.db')).sort()).toEqual(['aegislog.lock']);
  } finally {
    await temp.remove();
  }
});

test('an API keys file other users can read is refused, as the signing keys are; at 0600 it is used', async () => {
  const temp = await tempDir();
  try {
    const keysFile = join(temp.dir, 'keys.json');
    await writeFile(keysFile, JSON.stringify([{ key: 'my-own-secret-key-0001', tenant_id: 'bank', scope: 'read' }]));
    await chmod(keysFile, 0o644);
    const refused = await startDev(options(join(temp.dir, 'd'), { keysFile }), quiet).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'UsageError', message: `the keys file ${keysFile} is readable by other users; run chmod 600 on it` });
    await chmod(keysFile, 0o600);
    const dev = await startDev(options(join(temp.dir, 'd'), { keysFile }), quiet);
    expect(dev.keys.map((k) => k.tenant_id)).toEqual(['bank']);
    await dev.stop();
  } finally {
    await temp.remove();
  }
});
