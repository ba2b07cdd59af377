/**
 * Real workerd through miniflare: bundles a Worker module the way wrangler
 * does (esbuild, `workerd` export condition, so `aegislog` resolves through
 * the package's own exports map to the BUILT dist/) and starts it with the
 * bindings of its wrangler.json. Outbound fetch from the Worker reaches
 * 127.0.0.1 directly, so it talks to servers the test started.
 */
import { build } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare, type MiniflareOptions } from 'miniflare';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function requireDist(...files: string[]): void {
  for (const file of files) {
    if (!existsSync(resolve(ROOT, 'dist/esm', file))) throw new Error(`dist/esm/${file} is missing: run \`npm run build\` first (npm test does)`);
  }
}

/** Bundles a Worker entry to one ES module text, as wrangler would for `main`. */
export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [resolve(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    // As wrangler bundles without nodejs_compat: browser platform (package.json `browser` fields honoured).
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    write: false,
    logLevel: 'error',
  });
  return result.outputFiles[0]!.text;
}

/** The parts of a wrangler.json the examples use. */
export interface WranglerConfig {
  compatibility_date: string;
  compatibility_flags?: string[];
  vars?: Record<string, string>;
  kv_namespaces?: { binding: string; id: string }[];
  durable_objects?: { bindings: { name: string; class_name: string }[] };
  triggers?: { crons?: string[] };
  migrations?: { tag: string; new_classes?: string[]; new_sqlite_classes?: string[] }[];
}

export function readWrangler(path: string): WranglerConfig {
  return JSON.parse(readFileSync(resolve(ROOT, path), 'utf8')) as WranglerConfig;
}

/**
 * A Miniflare whose temporary folder goes with it. Miniflare makes its folder (`miniflare-<hex>` under
 * `os.tmpdir()`) as it is constructed and removes it at `dispose()` without waiting, so a test process that
 * ends soon after leaves it behind (166 of them in /tmp after a few CI runs). Here it is made inside a folder
 * of ours: TMPDIR points there for the constructor alone (synchronously: nothing else sees it, and
 * PostgreSQL's folders elsewhere stay where the `postgres` user reaches them), and `dispose()` removes it once
 * workerd has stopped.
 */
export function newMiniflare(options: MiniflareOptions): Miniflare {
  const own = mkdtempSync(join(tmpdir(), 'aegislog-miniflare-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = own;
  let mf: Miniflare;
  try {
    mf = new Miniflare(options);
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
  const dispose = mf.dispose.bind(mf);
  mf.dispose = async () => {
    try {
      await dispose();
    } finally {
      await rm(own, { recursive: true, force: true, maxRetries: 5 });
    }
  };
  return mf;
}

/**
 * Starts the bundled script in workerd with the config's bindings; `vars` override its vars (secrets, the test server's URL).
 * With `persist`, Durable Objects keep their storage in that folder, so a new workerd on it finds it again.
 */
export async function startWorker(script: string, config: WranglerConfig, vars: Record<string, string> = {}, persist?: string): Promise<Miniflare> {
  const sqlite = new Set((config.migrations ?? []).flatMap((m) => m.new_sqlite_classes ?? []));
  const mf = newMiniflare({
    modules: true,
    script,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags ?? [],
    bindings: { ...config.vars, ...vars },
    kvNamespaces: Object.fromEntries((config.kv_namespaces ?? []).map((kv) => [kv.binding, kv.id])),
    durableObjects: Object.fromEntries((config.durable_objects?.bindings ?? []).map((d) => [d.name, { className: d.class_name, useSQLite: sqlite.has(d.class_name) }])),
    ...(persist === undefined ? {} : { durableObjectsPersist: persist }),
  });
  await mf.ready;
  return mf;
}

/**
 * Connections one failed flush of the Worker examples tries before it gives up: the first try and the two
 * retries of their `retry: { attempts: 2 }` (attempts after the first). A test that brings the API back
 * sooner races the last retry, which then delivers the event it means to leave queued.
 */
export const FLUSH_TRIES = 3;

/**
 * Polls until `check` returns a value (the Worker's waitUntil work runs after its response).
 * Bounded by a count of tries, 25 ms apart (`ms` / 25 of them), not by the wall clock: a loaded
 * machine gets as many looks as an idle one.
 */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const tries = Math.ceil(ms / 25);
  for (let i = 0; i < tries; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no value after ${tries} looks, 25 ms apart`);
}
