/**
 * witness.lock on a filesystem without hard links (FAT, some network mounts): link() fails with
 * EPERM there, and the witness must still take its folder, once, and take over a dead holder's lock.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { takeFileLock, type LockOwner } from '../../src/witness/file-lock.js';

vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  const link: typeof fs.link = async (from, to) => {
    throw Object.assign(new Error(`EPERM: operation not permitted, link '${String(from)}' -> '${String(to)}'`), { code: 'EPERM' });
  };
  return { ...fs, default: { ...fs, link }, link };
});

let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'aegislog-lock-nolinks-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

const DEAD = 4_000_001;
const owner = (pid: number, dead = new Set<number>()): LockOwner => ({ pid, isStale: (p) => dead.has(p) });

it('takes a free lock, refuses a held one, and takes over a dead holder\'s, leaving no temp files', async () => {
  const path = join(dir, 'witness.lock');
  await takeFileLock(path, owner(101));
  expect(await readFile(path, 'utf8')).toBe('101\n');
  await expect(takeFileLock(path, owner(102))).rejects.toMatchObject({ code: 'ERR_CONFIG', message: expect.stringContaining('held by process 101') });
  await writeFile(path, `${DEAD}\n`);
  await takeFileLock(path, owner(103, new Set([DEAD])));
  expect(await readFile(path, 'utf8')).toBe('103\n');
  expect(await readdir(dir)).toEqual(['witness.lock']);
});

it('a lock that names no process (seen while it is copied into place, or damaged) is refused, never taken over', async () => {
  const path = join(dir, 'empty.lock');
  for (const text of ['', 'x\n']) {
    await writeFile(path, text);
    await expect(takeFileLock(path, owner(104))).rejects.toMatchObject({ code: 'ERR_CONFIG', message: expect.stringContaining('names no process') });
    expect(await readFile(path, 'utf8')).toBe(text);
  }
});
