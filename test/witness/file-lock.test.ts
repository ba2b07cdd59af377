/**
 * witness.lock (file store): a lock left by a dead process is taken over by
 * one process only, however many try at once, and a lock is never seen empty.
 * Two "processes" are two owners in this one, each with its own PID; the
 * race is made by hooks that hold each taker at the same step, not by timing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { takeFileLock, type LockOwner } from '../../src/witness/file-lock.js';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'aegislog-lock-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

const DEAD = 4_000_001;
const owner = (pid: number, dead: Set<number>): LockOwner => ({ pid, isStale: (p) => dead.has(p) });

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A gate each taker reaches once; all are let through together when `n` have arrived. */
function barrier(n: number) {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return async () => {
    if (++arrived === n) open();
    await opened;
  };
}

it('a process that judged the lock stale before another took it over does not take it from that one', async () => {
  const path = join(dir, 'race.lock');
  await writeFile(path, `${DEAD}\n`);
  const dead = new Set([DEAD]);
  // Both read the dead PID; A goes on and takes the lock; only then does B act on what it read.
  const bothJudged = barrier(2);
  let aTook!: () => void;
  const aDone = new Promise<void>((resolve) => (aTook = resolve));
  const a = takeFileLock(path, owner(101, dead), { stale: bothJudged }).finally(aTook);
  const b = takeFileLock(path, owner(102, dead), { stale: async () => (await bothJudged(), await aDone) });
  const results = await Promise.allSettled([a, b]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_CONFIG', message: expect.stringContaining('process 101') });
  expect(await readFile(path, 'utf8')).toBe('101\n');
});

it('three at once, let through in every order, give one owner', async () => {
  for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
    const path = join(dir, `three${order.join('')}.lock`);
    await writeFile(path, `${DEAD}\n`);
    const dead = new Set([DEAD]);
    const allJudged = barrier(3);
    const turns = order.map(() => deferred());
    const takers = [301, 302, 303].map((pid, i) =>
      takeFileLock(path, owner(pid, dead), { stale: async () => (await allJudged(), await turns[order.indexOf(i)]!.promise) }));
    for (const [k, i] of order.entries()) {
      turns[k]!.resolve();
      await takers[i]!.catch(() => undefined);
    }
    expect((await Promise.allSettled(takers)).filter((r) => r.status === 'fulfilled'), order.join()).toHaveLength(1);
  }
});

it('goes past a takeover marker left by a taker that died, and not past a live one', async () => {
  const { stat } = await import('node:fs/promises');
  const path = join(dir, 'marked.lock');
  await writeFile(path, `${DEAD}\n`);
  const { ino } = await stat(path);
  await writeFile(`${path}.takeover-${ino}-0`, `${DEAD + 1}\n`); // a taker that crashed holding it
  await writeFile(`${path}.takeover-${ino}-1`, '777\n'); // one taking it over now
  await expect(takeFileLock(path, owner(501, new Set([DEAD, DEAD + 1])))).rejects.toMatchObject({ code: 'ERR_CONFIG', message: expect.stringContaining('process 777') });
  await rm(`${path}.takeover-${ino}-1`);
  await takeFileLock(path, owner(502, new Set([DEAD, DEAD + 1])));
  expect(await readFile(path, 'utf8')).toBe('502\n');
});

it('a lock being created is never seen empty by another process reading it', async () => {
  const path = join(dir, 'fresh.lock');
  const stop = join(dir, 'fresh.stop');
  // Another process reads the lock as fast as it can until told to stop (a file), at most a bounded number of times.
  const reader = spawn(process.execPath, ['-e', `
    const { existsSync, readFileSync } = require('node:fs');
    let empty = 0;
    process.stdout.write('ready\\n');
    for (let i = 0; i < 50_000_000 && !existsSync(${JSON.stringify(stop)}); i++) {
      try { if (readFileSync(${JSON.stringify(path)}, 'utf8') === '') empty++; } catch {}
    }
    process.stdout.write(empty + '\\n');
  `]);
  const out: string[] = [];
  const ready = new Promise<void>((resolve) => reader.stdout.on('data', (d: Buffer) => (out.push(d.toString()), resolve())));
  const exited = new Promise<void>((resolve) => reader.on('exit', () => resolve()));
  await ready;
  for (let round = 0; round < 300; round++) {
    await takeFileLock(path, owner(400 + round, new Set()));
    await rm(path);
  }
  await writeFile(stop, '');
  await exited;
  await rm(stop);
  expect(out.join('').split('\n').filter(Boolean)).toEqual(['ready', '0']);
}, 60_000);

it('leaves no temporary or takeover files behind', async () => {
  const names = await readdir(dir);
  expect(names.filter((n) => !/^(race|three\d+|marked)\.lock$/.test(n))).toEqual([]);
});
