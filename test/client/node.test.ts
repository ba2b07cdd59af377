// Node specifics: no timer keeps a process alive or is left behind, and beforeExit flushes.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { AegisLog, memoryQueue, type QueueStore } from '../../src/index.js';
import { FAST_RETRY, INGEST_KEY, TENANT, countBy, inProcessServer, storedIds, until } from './helpers.js';
import { startServer, type RealServer } from './node-server.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

let server: RealServer;
let dir: string;
beforeAll(async () => {
  server = await startServer();
  dir = await mkdtemp(join(tmpdir(), 'aegislog-child-'));
});
afterAll(async () => {
  try {
    await server.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Bundles `code` (a script importing the client from src/) and runs it in a child Node process against the test server. */
async function runChild(name: string, code: string): Promise<{ stdout: string; stderr: string }> {
  const source = join(dir, `${name}.ts`);
  const script = join(dir, `${name}.mjs`);
  await writeFile(source, `import { AegisLog } from ${JSON.stringify(resolve('src/index.ts'))};\n${code}`);
  await build({ entryPoints: [source], bundle: true, platform: 'node', format: 'esm', outfile: script, logLevel: 'silent', external: ['better-sqlite3'] });
  return promisify(execFile)(process.execPath, [script], { env: { ...process.env, ENDPOINT: server.url }, timeout: 20_000 });
}

/** How many times the server stored each of `ids`. */
async function storedCounts(ids: string[]): Promise<(number | undefined)[]> {
  const counts = countBy(await storedIds((url, init) => fetch(url, init), server.url));
  return ids.map((id) => counts.get(id));
}

it('with flushInterval 0 (edge functions), nothing is left running after flush()', async () => {
  const srv = await inProcessServer();
  const before = timers();
  const log = new AegisLog({ endpoint: 'https://aegislog.test', tenantId: TENANT, apiKey: INGEST_KEY, fetch: srv.fetch, flushInterval: 0, retry: FAST_RETRY });
  log.record('edge', {});
  await log.flush(); // what ctx.waitUntil(log.flush()) awaits
  expect(log.stats().sent).toBe(1);
  expect(timers()).toBeLessThanOrEqual(before);
});

it('the interval timer does not keep Node alive, and close() clears it', async () => {
  const srv = await inProcessServer();
  const before = timers();
  // An unref'd timer is not among the active resources, so the timer's own flushes show whether it still runs.
  const inner = memoryQueue();
  let reads = 0;
  const queue: QueueStore = { ...inner, list: (prefix, limit) => (reads++, inner.list(prefix, limit)), count: (prefix) => (reads++, inner.count(prefix)) };
  const log = new AegisLog({ endpoint: 'https://aegislog.test', tenantId: TENANT, apiKey: INGEST_KEY, fetch: srv.fetch, flushInterval: 20, queue });
  expect(timers()).toBe(before); // unref'd: not among the resources that keep the loop alive
  await until(() => reads >= 5, 5000, 'two interval flushes');
  await log.close();
  expect(timers()).toBeLessThanOrEqual(before); // nothing ref'd left behind (vitest's own timer may have ended meanwhile)
});

it('close() stops the interval: five intervals later the queue is not read again', async () => {
  const srv = await inProcessServer();
  const inner = memoryQueue();
  let reads = 0;
  const queue: QueueStore = { ...inner, list: (prefix, limit) => (reads++, inner.list(prefix, limit)), count: (prefix) => (reads++, inner.count(prefix)) };
  // A fake clock: "later" is five intervals advanced, not waited for.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  try {
    const log = new AegisLog({ endpoint: 'https://aegislog.test', tenantId: TENANT, apiKey: INGEST_KEY, fetch: srv.fetch, flushInterval: 20, queue });
    await vi.advanceTimersByTimeAsync(40);
    expect(reads).toBeGreaterThan(0); // the interval ran
    await log.close();
    const readsAtClose = reads;
    await vi.advanceTimersByTimeAsync(100);
    expect(reads).toBe(readsAtClose);
  } finally {
    vi.useRealTimers();
  }
});

it('a process that records and simply ends delivers its events on beforeExit', async () => {
  const { stdout } = await runChild('child', `
    const log = new AegisLog({ endpoint: process.env.ENDPOINT, tenantId: ${JSON.stringify(TENANT)}, apiKey: ${JSON.stringify(INGEST_KEY)} });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(log.record('child_process', { i })); // below batchSize: no size-triggered flush
    console.log(JSON.stringify(ids));
    // No flush, no close: the script just ends.
  `);
  const ids = JSON.parse(stdout.trim()) as string[];
  expect(ids).toHaveLength(5);
  expect(await storedCounts(ids)).toEqual(ids.map(() => 1));
});

it('clients in one process share one beforeExit listener: twelve deliver on exit, and Node warns of no leak', async () => {
  // A server with a client per tenant: one listener each would pass Node's limit of 10 and log a
  // MaxListenersExceededWarning ("possible memory leak") on the 11th client.
  const { stdout, stderr } = await runChild('many', `
    const options = { endpoint: process.env.ENDPOINT, tenantId: ${JSON.stringify(TENANT)}, apiKey: ${JSON.stringify(INGEST_KEY)} };
    const listeners = () => process.listenerCount('beforeExit');
    const none = listeners();
    const closed = Array.from({ length: 12 }, () => new AegisLog({ ...options, flushInterval: 0 }));
    const open = listeners();
    await Promise.all(closed.map((log) => log.close()));
    const after = listeners();
    const ids = [];
    for (let c = 0; c < 12; c++) {
      const log = new AegisLog(options);
      ids.push(log.record('many_clients', { c }), log.record('many_clients', { c, second: true }));
    }
    console.log(JSON.stringify({ none, open, after, during: listeners(), ids }));
    // No flush, no close: the script just ends.
  `);
  const out = JSON.parse(stdout.trim()) as { none: number; open: number; after: number; during: number; ids: string[] };
  expect({ open: out.open, after: out.after, during: out.during }).toEqual({ open: out.none + 1, after: out.none, during: out.none + 1 });
  expect(stderr).not.toContain('MaxListenersExceededWarning');
  expect(out.ids).toHaveLength(24);
  expect(await storedCounts(out.ids)).toEqual(out.ids.map(() => 1));
});

it('a beforeExit flush that made no progress is tried again once the process has recorded more', async () => {
  // The server is down at the first beforeExit (the flush gives up), then something keeps the process alive
  // and records again, with the server back: the next beforeExit must flush both, not exit on the old stall.
  const { stdout } = await runChild('stall', `
    let down = true;
    let exits = 0;
    const log = new AegisLog({
      endpoint: process.env.ENDPOINT, tenantId: ${JSON.stringify(TENANT)}, apiKey: ${JSON.stringify(INGEST_KEY)}, retry: { attempts: 0 }, onError: () => {},
      fetch: (url, init) => (down ? Promise.reject(new TypeError('the server is down (scripted)')) : fetch(url, init)),
    });
    const ids = [log.record('stalled_exit', { n: 1 })];
    process.on('beforeExit', () => {
      if (exits++ > 0) return;
      setTimeout(() => {
        down = false;
        ids.push(log.record('stalled_exit', { n: 2 }));
        console.log(JSON.stringify(ids));
      }, 1);
    });
  `);
  const ids = JSON.parse(stdout.trim()) as string[];
  expect(ids).toHaveLength(2);
  expect(await storedCounts(ids)).toEqual([1, 1]);
});
