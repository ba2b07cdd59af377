/**
 * Real workerd through miniflare: bundles a Worker module the way wrangler
 * does (esbuild, `workerd` export condition, so `aegislog` resolves through
 * the package's own exports map to the BUILT dist/) and starts it with the
 * bindings of its wrangler.json. Outbound fetch from the Worker reaches
 * 127.0.0.1 directly, so it talks to servers the test started.
 */
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';

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
 * Starts the bundled script in workerd with the config's bindings; `vars` override its vars (secrets, the test server's URL).
 * With `persist`, Durable Objects keep their storage in that folder, so a new workerd on it finds it again.
 */
export async function startWorker(script: string, config: WranglerConfig, vars: Record<string, string> = {}, persist?: string): Promise<Miniflare> {
  const sqlite = new Set((config.migrations ?? []).flatMap((m) => m.new_sqlite_classes ?? []));
  const mf = new Miniflare({
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
