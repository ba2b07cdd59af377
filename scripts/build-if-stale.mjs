#!/usr/bin/env node
// `npm start` builds only when the build's inputs changed since the last build
// it made: a full build takes one to two minutes on two cores, a restart with
// nothing changed should not. The inputs are hashed by content (not mtime, which
// a checkout or a copy resets); the hash is written into dist/ after a build
// that succeeded (`npm run build` writes it too), so an interrupted build is
// redone. `npm run build` always builds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(ROOT, 'dist/.build-inputs');
/** What `npm run build` reads: sources, demo pages, its configs, and the dependency versions. */
const INPUTS = ['src', 'demo', 'rollup.config.mjs', 'rollup.demo.config.mjs', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
/** What `aegislog dev` needs from the build; if one is gone, build again whatever the stamp says. */
const OUTPUTS = ['dist/esm/cli.js', 'dist/esm/server-node.js'];

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
    writeFileSync(STAMP, `${hash}\n`);
    return 0;
  }
  const built = existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === hash && OUTPUTS.every((f) => existsSync(join(ROOT, f)));
  if (built) {
    console.error('aegislog: the build is up to date (sources unchanged since the last `npm start`); `npm run build` forces one');
    return 0;
  }
  console.error('aegislog: building (sources changed or never built; takes a minute or two on two cores)…');
  const npm = process.env.npm_execpath;
  const result = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: ROOT, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) return result.status ?? 1;
  writeFileSync(STAMP, `${hash}\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
