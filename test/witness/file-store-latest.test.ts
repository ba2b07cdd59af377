/**
 * The file store writes, per update, only the origin that changed (not every
 * origin's latest checkpoint), atomically; and it still reads the single
 * latest.json an older version wrote.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { b64Encode } from '../../src/protocol/index.js';
import { witnessFileStore, type CosignedCheckpoint } from '../../src/witness/node.js';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'aegislog-latest-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

const record = (size: number, origin: string): CosignedCheckpoint => ({ origin, size, root: new Uint8Array(32).fill(size), note: `note ${origin} ${size}\n`, time: 1 });
/** A record as an older version's latest.json holds it. */
const wire = (r: CosignedCheckpoint) => ({ size: r.size, root: b64Encode(r.root), note: r.note, time: r.time });

/** A new folder `name` under `dir` in which a store wrote origin `o` at `size` and closed. */
async function storeWrote(name: string, size: number): Promise<string> {
  const path = join(dir, name);
  await mkdir(path);
  const store = await witnessFileStore(path);
  await store.update('o', () => ({ write: record(size, 'o'), result: null }));
  await store.close?.();
  return path;
}

/** Every file under `root`: its inode, change time and content. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of await readdir(root, { recursive: true })) {
    const path = join(root, name);
    const s = await stat(path, { bigint: true });
    if (s.isFile()) files.set(relative(root, path), `${s.ino} ${s.mtimeNs} ${await readFile(path, 'utf8')}`);
  }
  return files;
}

it('an update of one origin rewrites no file that holds another origin', async () => {
  const path = join(dir, 'many');
  await mkdir(path);
  const store = await witnessFileStore(path);
  for (const origin of ['p', 'q', 'o']) await store.update(origin, () => ({ write: record(1, origin), result: null }));
  const before = await snapshot(path);
  await store.update('o', () => ({ write: record(2, 'o'), result: null }));
  const after = await snapshot(path);
  const changed = [...after].filter(([name, v]) => before.get(name) !== v);
  expect(changed.length).toBeGreaterThan(0);
  for (const [name, v] of changed) expect([name, v.includes('note p'), v.includes('note q')]).toEqual([name, false, false]);
  await store.close?.();
  const again = await witnessFileStore(path);
  expect([(await again.latest('o'))?.size, (await again.latest('p'))?.size, (await again.latest('q'))?.size]).toEqual([2, 1, 1]);
  await again.close?.();
});

it('reads the latest.json of an older version, and what it writes since wins over it', async () => {
  const path = join(dir, 'old');
  await mkdir(path);
  await writeFile(join(path, 'latest.json'), `${JSON.stringify({ o: wire(record(5, 'o')), p: wire(record(6, 'p')) })}\n`);
  const store = await witnessFileStore(path);
  expect([await store.latest('o'), await store.latest('p')]).toEqual([record(5, 'o'), record(6, 'p')]);
  await store.update('o', () => ({ write: record(7, 'o'), result: null }));
  await store.close?.();
  const again = await witnessFileStore(path);
  expect([await again.latest('o'), await again.latest('p')]).toEqual([record(7, 'o'), record(6, 'p')]);
  await again.close?.();
});

it('an older version run on the folder since (latest.json ahead of an origin file): the larger tree wins, never a rollback', async () => {
  const path = await storeWrote('downgraded', 7);
  // The older version knows latest.json only: it cosigned size 9 there, and left the origin file at 7.
  await writeFile(join(path, 'latest.json'), `${JSON.stringify({ o: wire(record(9, 'o')) })}\n`);
  const again = await witnessFileStore(path);
  expect(await again.latest('o')).toEqual(record(9, 'o'));
  await again.close?.();
});

it('ignores a temporary file left by a crash mid-write, and refuses to open, naming it, a damaged origin file', async () => {
  const path = await storeWrote('damaged', 3);
  const [name] = (await readdir(join(path, 'latest'))).filter((n) => n.endsWith('.json'));
  await writeFile(join(path, 'latest', `${name}.tmp`), '{"torn');
  const again = await witnessFileStore(path);
  expect(await again.latest('o')).toEqual(record(3, 'o'));
  await again.close?.();
  await writeFile(join(path, 'latest', name!), '{"torn');
  await expect(witnessFileStore(path)).rejects.toMatchObject({ code: 'ERR_CONFIG', message: expect.stringContaining(name!) });
});

it('lets the folder go when it refuses to open it: once the damage is repaired, it opens', async () => {
  const path = join(dir, 'repaired');
  await mkdir(path);
  await writeFile(join(path, 'latest.json'), '{"torn');
  await expect(witnessFileStore(path)).rejects.toMatchObject({ code: 'ERR_CONFIG', message: expect.stringContaining('latest.json') });
  await rm(join(path, 'latest.json'));
  const store = await witnessFileStore(path);
  await store.close?.();
});
