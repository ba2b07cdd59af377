// `npm start` builds only when the build's inputs changed (issue 16, item 10: it rebuilt every time,
// 74–95 s on two cores). scripts/build-if-stale.mjs runs here in a copy of the repository's layout
// with a stand-in for npm (npm_execpath, as npm sets it for scripts) that counts builds and writes
// what `aegislog dev` needs from one: no real build, so each case reads in milliseconds.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './project.js';

let dir: string;
const FAKE_NPM = `
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
if (process.argv.slice(2).join(' ') !== 'run build') process.exit(2);
appendFileSync('builds.log', 'build\\n');
if (process.env.FAIL_BUILD) process.exit(1);
mkdirSync('dist/esm', { recursive: true });
writeFileSync('dist/esm/cli.js', '');
writeFileSync('dist/esm/server-node.js', '');
`;

function start(env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], {
    cwd: dir,
    env: { ...process.env, npm_execpath: join(dir, 'fake-npm.mjs'), ...env },
    encoding: 'utf8',
  });
  return { code: run.status, said: run.stderr, builds: existsSync(join(dir, 'builds.log')) ? readFileSync(join(dir, 'builds.log'), 'utf8').split('\n').length - 1 : 0 };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aegislog-start-'));
  cpSync(join(ROOT, 'scripts/build-if-stale.mjs'), join(dir, 'scripts/build-if-stale.mjs'));
  for (const file of ['rollup.config.mjs', 'rollup.demo.config.mjs', 'tsconfig.build.json', 'package.json', 'package-lock.json']) writeFileSync(join(dir, file), `${file}\n`);
  mkdirSync(join(dir, 'src/server'), { recursive: true });
  mkdirSync(join(dir, 'demo'), { recursive: true });
  writeFileSync(join(dir, 'src/index.ts'), 'export const a = 1;\n');
  writeFileSync(join(dir, 'src/server/server.ts'), 'export const b = 2;\n');
  writeFileSync(join(dir, 'demo/index.html'), '<!doctype html>\n');
  writeFileSync(join(dir, 'fake-npm.mjs'), FAKE_NPM);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start (scripts/build-if-stale.mjs)', () => {
  it('is what `npm start` runs before the server', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('node scripts/build-if-stale.mjs && node bin/aegislog.mjs dev');
    expect(pkg.scripts.build).toContain('node scripts/build-if-stale.mjs --stamp');
  });

  it('builds on a fresh clone, then not again while nothing changed', () => {
    expect(start()).toMatchObject({ code: 0, builds: 1, said: expect.stringMatching(/building/) });
    expect(start()).toMatchObject({ code: 0, builds: 1, said: expect.stringMatching(/up to date/) });
    expect(start()).toMatchObject({ code: 0, builds: 1 });
  });

  it('judges by content: a file touched (as a checkout or a copy does) is no change', () => {
    const later = new Date(Date.now() + 3600_000);
    utimesSync(join(dir, 'src/index.ts'), later, later);
    expect(start()).toMatchObject({ code: 0, builds: 1 });
  });

  it('builds again when a source, the demo pages, a config or the lockfile changes', () => {
    let builds = start().builds;
    for (const file of ['src/server/server.ts', 'demo/index.html', 'rollup.config.mjs', 'package-lock.json']) {
      writeFileSync(join(dir, file), `${readFileSync(join(dir, file), 'utf8')}// changed\n`);
      expect(start(), file).toMatchObject({ code: 0, builds: builds + 1 });
      expect(start(), file).toMatchObject({ code: 0, builds: builds + 1 });
      builds += 1;
    }
    writeFileSync(join(dir, 'src/new-module.ts'), 'export {};\n');
    expect(start()).toMatchObject({ builds: builds + 1 });
  });

  it('builds again when what `aegislog dev` needs is gone', () => {
    const builds = start().builds;
    rmSync(join(dir, 'dist/esm/cli.js'));
    expect(start()).toMatchObject({ code: 0, builds: builds + 1 });
  });

  it('a failed build fails `npm start` and is tried again next time', () => {
    writeFileSync(join(dir, 'src/index.ts'), 'export const a = 3;\n');
    const builds = start().builds; // built with the change
    writeFileSync(join(dir, 'src/index.ts'), 'export const a = 4;\n');
    expect(start({ FAIL_BUILD: '1' })).toMatchObject({ code: 1, builds: builds + 1 });
    expect(start()).toMatchObject({ code: 0, builds: builds + 2 });
    expect(start()).toMatchObject({ code: 0, builds: builds + 2 });
  });
});
