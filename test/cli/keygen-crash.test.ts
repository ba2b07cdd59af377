// `aegislog keygen` writes each file whole or not at all: created empty and then written, a run
// that died between left an empty public.pem that the next run refused ("exists; use --force") and
// that a verifier could be handed. The crash is a writeFile that creates its file and dies, for
// files named public.pem only; the public files keep the mode the umask gives, the private ones 0600.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test, vi } from 'vitest';
import { keygenCommand } from '../../src/cli/keygen.js';
import { fakeIO } from './fake-io.js';

const crash = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs/promises', async (original) => {
  const { crashingFs } = await import('../support/crashing-fs.js');
  return crashingFs(await original(), crash, 'public.pem');
});

const dir = mkdtempSync(join(tmpdir(), 'aegislog-keygen-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a run that died writing public.pem leaves no public.pem; the next run (--force) writes all four', async () => {
  const out = join(dir, 'keys');
  crash.on = true;
  expect(await keygenCommand.run(['--out', out], fakeIO())).not.toBe(0);
  crash.on = false;
  expect(readdirSync(out)).not.toContain('public.pem');
  expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  expect(await keygenCommand.run(['--out', out, '--force'], fakeIO())).toBe(0);
  expect(readdirSync(out).sort()).toEqual(['private.jwk.json', 'private.pem', 'public.jwks.json', 'public.pem']);
  const umask = process.umask();
  expect(statSync(join(out, 'public.pem')).mode & 0o777).toBe(0o644 & ~umask);
  expect(statSync(join(out, 'private.pem')).mode & 0o777).toBe(0o600);
});
