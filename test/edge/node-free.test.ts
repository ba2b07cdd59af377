/**
 * Guard: what the browser, workerd and edge-light conditions load must never
 * reach a Node built-in (`node:*`, `fs`, `path`, ...) or a Node-only package
 * (better-sqlite3, ...). Starts from the package.json `exports` targets of
 * those conditions in the BUILT dist/ and walks the import graph, static and
 * dynamic imports and require() calls alike, into dependencies too, with
 * esbuild resolving each specifier under the same condition a bundler would.
 */
import { build, type Plugin } from 'esbuild';
import { init, parse } from 'es-module-lexer';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { ROOT } from './workerd.js';

const CONDITIONS = ['browser', 'workerd', 'edge-light'] as const;
const NODE_ONLY_PACKAGES = ['better-sqlite3', 'bindings', 'node-gyp-build', 'undici', 'ws', 'node-fetch'];
/** Optional peers the user installs for a server runtime; never walked, never required by these entries. */
const OPTIONAL_PEERS = Object.keys(pkg.peerDependenciesMeta ?? {});
const builtins = new Set(builtinModules);

function isNodeOnly(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
  return builtins.has(name) || NODE_ONLY_PACKAGES.includes(name);
}

/**
 * Every `exports` target chosen under `condition`: a plain string target applies to all
 * conditions; a nested one (`{ types, default }`, to give a condition its own types) gives its `default`.
 */
function targetsFor(condition: string): string[] {
  const out: string[] = [];
  for (const target of Object.values(pkg.exports as Record<string, unknown>)) {
    if (typeof target === 'string') {
      if (target.endsWith('.js')) out.push(target);
      continue;
    }
    const chosen = (target as Record<string, unknown> | null)?.[condition];
    if (typeof chosen === 'string') out.push(chosen);
    else if (chosen && typeof (chosen as { default?: unknown }).default === 'string') out.push((chosen as { default: string }).default);
  }
  return [...new Set(out)];
}

/** Returns "importer -> specifier" for each Node-only import reachable from `file`. */
export async function nodeImportsReachable(file: string, condition: string): Promise<string[]> {
  const found: string[] = [];
  const guard: Plugin = {
    name: 'node-guard',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (isNodeOnly(args.path)) {
          found.push(`${relative(ROOT, args.importer)} -> ${args.path} (${args.kind})`);
          return { path: args.path, external: true };
        }
        if (OPTIONAL_PEERS.some((p) => args.path === p || args.path.startsWith(`${p}/`))) return { path: args.path, external: true };
        return undefined;
      });
    },
  };
  const result = await build({
    entryPoints: [file],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: [condition],
    mainFields: condition === 'browser' ? ['browser', 'module', 'main'] : ['module', 'main'],
    plugins: [guard],
    metafile: true,
    logLevel: 'silent',
  });
  // An import esbuild cannot follow (a computed specifier) could hide anything: find those with a real lexer.
  await init;
  for (const input of Object.keys(result.metafile.inputs)) {
    if (!/\.[cm]?js$/.test(input)) continue;
    const [imports] = parse(readFileSync(resolve(ROOT, input), 'utf8'), input);
    for (const i of imports) if (i.d > -1 && i.n === undefined) found.push(`${input} -> import(<computed>)`);
  }
  return found;
}

/** Sources of the built entries: a target is required once its source exists. */
const SOURCES: Record<string, string> = {
  'dist/esm/index.js': 'src/index.ts',
  'dist/esm/verify.js': 'src/verify/index.ts',
  'dist/esm/server.js': 'src/server/index.ts',
  'dist/esm/edge.js': 'src/edge/index.ts',
  'dist/browser/aegislog.js': 'src/browser/client.ts',
  'dist/browser/aegislog-verify.js': 'src/browser/verify.ts',
};

describe('no Node built-in is reachable from the browser, workerd and edge-light entries', () => {
  for (const condition of CONDITIONS) {
    for (const target of targetsFor(condition)) {
      const file = resolve(ROOT, target);
      const source = SOURCES[target.replace(/^\.\//, '')];
      const wanted = source === undefined || existsSync(resolve(ROOT, source));
      it.skipIf(!wanted)(`${condition}: ${target}`, async () => {
        expect(existsSync(file), `${target} is not built: run npm run build (npm test does)`).toBe(true);
        expect(await nodeImportsReachable(file, condition)).toEqual([]);
      });
    }
  }

  it('covers every entry of the exports map that these conditions select', () => {
    expect(targetsFor('workerd')).toEqual(expect.arrayContaining(['./dist/esm/index.js', './dist/esm/verify.js', './dist/esm/server.js', './dist/esm/edge.js']));
    expect(targetsFor('browser')).toEqual(expect.arrayContaining(['./dist/browser/aegislog.js', './dist/browser/aegislog-verify.js']));
  });

  describe('the guard itself finds Node imports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegislog-guard-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };

    it.each([
      ['a static node: import', "import { readFileSync } from 'node:fs'; export const f = readFileSync;"],
      ['a bare built-in', "export { join } from 'path';"],
      ['a dynamic import in a chunk', "export const load = () => import('./chunk.js');"],
      ['a require()', "export const db = () => require('better-sqlite3');"],
      ['a computed specifier', "export const load = (m) => import(m);"],
    ])('%s', async (_, text) => {
      write('chunk.js', "import 'node:crypto'; export const x = 1;");
      expect((await nodeImportsReachable(write('entry.js', text), 'workerd')).length).toBeGreaterThan(0);
    });

    it('and passes a Web-only module', async () => {
      expect(await nodeImportsReachable(write('web.js', 'export const h = (r) => fetch(r);'), 'workerd')).toEqual([]);
    });
  });
});
