#!/usr/bin/env node
// `npm start` builds only when the build's inputs changed since the last build: a restart with
// nothing changed should not build at all. The inputs are hashed by content (not mtime, which a
// checkout or a copy resets); the hash is written into dist/ after a build that succeeded, so an
// interrupted build is redone. Either build counts: `npm run build` (the full one: every entry,
// declarations, browser files; about a minute on two cores) stamps dist/.build-inputs, and
// `npm start` builds only what `aegislog dev` runs (scripts/build-start.mjs: the CLI and the demo
// pages, a few seconds) and stamps dist/.start-inputs. `npm run build` always builds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Written by `npm run build` (--stamp) and by the start build below; each build removes the other's. */
const STAMPS = { full: join(ROOT, 'dist/.build-inputs'), start: join(ROOT, 'dist/.start-inputs') };
/** What both builds read: sources, demo pages, their configs, and the dependency versions. */
const INPUTS = ['src', 'demo', 'rollup.config.mjs', 'rollup.demo.config.mjs', 'scripts/build-start.mjs', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
/** What `aegislog dev` needs from the build; if one is gone, build again whatever the stamp says. */
const outputs = (root) => ['dist/esm/cli.js', ...['auditor', 'chat'].filter((page) => existsSync(join(root, `demo/${page}/main.ts`))).map((page) => `dist/demo/${page}/${page}.js`)];

function* files(path) {
  if (!existsSync(path)) return;
  const entries = readdirSync(path, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

export function inputsHash(root = ROOT) {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    const path = join(root, input);
    const list = input.includes('.') ? (existsSync(path) ? [path] : []) : [...files(path)];
    for (const file of list) {
      hash.update(`${relative(root, file)}\0`);
      hash.update(readFileSync(file));
      hash.update('\0');
    }
  }
  return hash.digest('hex');
}

function main(args) {
  const hash = inputsHash();
  if (args.includes('--stamp')) {
    // After `npm run build`: what was just built is up to date.
    writeFileSync(STAMPS.full, `${hash}\n`);
    return 0;
  }
  const stamped = (stamp) => existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash;
  if ((stamped(STAMPS.full) || stamped(STAMPS.start)) && outputs(ROOT).every((f) => existsSync(join(ROOT, f)))) {
    console.error('aegislog: the build is up to date (sources unchanged since the last build); `npm run build` forces a full one');
    return 0;
  }
  console.error('aegislog: building the CLI and the demo pages (sources changed or never built)…');
  const started = Date.now();
  rmSync(STAMPS.start, { force: true });
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts/build-start.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) return result.status ?? 1;
  writeFileSync(STAMPS.start, `${hash}\n`);
  console.error(`aegislog: built in ${((Date.now() - started) / 1000).toFixed(1)} s (\`npm run build\` builds every entry)`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
