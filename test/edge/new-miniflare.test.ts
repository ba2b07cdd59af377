/**
 * The test helper newMiniflare leaves no temporary folder behind: miniflare's own removal at dispose() is
 * not awaited, and a test process that ended soon after left its `miniflare-<hex>` folder in /tmp.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { newMiniflare } from './workerd.js';

const parent = await mkdtemp(join(tmpdir(), 'aegislog-mf-helper-'));
afterAll(() => rm(parent, { recursive: true, force: true }));

/** Everything under `dir`, as relative paths. */
const tree = async (dir: string) => (await readdir(dir, { recursive: true })).sort();

it('makes miniflare\'s folder inside one of its own, and removes both once workerd has stopped', async () => {
  const before = process.env.TMPDIR;
  process.env.TMPDIR = parent;
  let mf;
  try {
    mf = newMiniflare({ modules: true, script: 'export default { fetch: () => new Response("up") }', compatibilityDate: '2025-09-01', kvNamespaces: { KV: 'kv' } });
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
  // TMPDIR is the caller's again as soon as the constructor returns.
  expect(process.env.TMPDIR).toBe(before);
  expect(await (await mf.dispatchFetch('http://worker.test/')).text()).toBe('up');
  const made = await tree(parent);
  expect(made[0]).toMatch(/^aegislog-miniflare-/);
  expect(made.some((path) => /^aegislog-miniflare-[^/]+\/miniflare-[0-9a-f]{32}$/.test(path))).toBe(true);
  await mf.dispose();
  expect(await tree(parent)).toEqual([]);
});
