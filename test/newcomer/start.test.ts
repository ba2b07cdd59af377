// `npm start` builds only when the build's inputs changed, and then only what `aegislog dev` runs
// (issue 16, item 10: it rebuilt everything every time, 74–95 s on two cores).
// scripts/build-if-stale.mjs runs here in a copy of the repository's layout with a stand-in for
// scripts/build-start.mjs that counts builds and writes what `aegislog dev` needs from one, so each
// case reads in milliseconds; the last block runs the real scripts/build-start.mjs on a copy of the
// sources and starts the CLI it built.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './project.js';

let dir: string;
const FAKE_BUILD = `
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
appendFileSync('builds.log', 'build\\n');
if (process.env.FAIL_BUILD) process.exit(1);
mkdirSync('dist/esm', { recursive: true });
mkdirSync('dist/demo/chat', { recursive: true });
writeFileSync('dist/esm/cli.js', '');
writeFileSync('dist/demo/chat/chat.js', '');
`;

function start(env: Record<string, string> = {}, args: string[] = []) {
  const run = spawnSync(process.execPath, ['scripts/build-if-stale.mjs', ...args], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: run.status, said: run.stderr, builds: existsSync(join(dir, 'builds.log')) ? readFileSync(join(dir, 'builds.log'), 'utf8').split('\n').length - 1 : 0 };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aegislog-start-'));
  cpSync(join(ROOT, 'scripts/build-if-stale.mjs'), join(dir, 'scripts/build-if-stale.mjs'));
  for (const file of ['rollup.config.mjs', 'rollup.demo.config.mjs', 'tsconfig.build.json', 'package.json', 'package-lock.json']) writeFileSync(join(dir, file), `${file}\n`);
  mkdirSync(join(dir, 'src/server'), { recursive: true });
  mkdirSync(join(dir, 'demo/chat'), { recursive: true });
  writeFileSync(join(dir, 'src/index.ts'), 'export const a = 1;\n');
  writeFileSync(join(dir, 'src/server/server.ts'), 'export const b = 2;\n');
  writeFileSync(join(dir, 'demo/chat/index.html'), '<!doctype html>\n');
  writeFileSync(join(dir, 'demo/chat/main.ts'), 'export {};\n');
  writeFileSync(join(dir, 'scripts/build-start.mjs'), FAKE_BUILD);
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
    for (const file of ['src/server/server.ts', 'demo/chat/index.html', 'rollup.config.mjs', 'scripts/build-start.mjs', 'package-lock.json']) {
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
    rmSync(join(dir, 'dist/demo/chat/chat.js'));
    expect(start()).toMatchObject({ code: 0, builds: builds + 2 });
    expect(start()).toMatchObject({ code: 0, builds: builds + 2 });
  });

  it('a full build (`npm run build` stamps it) counts as built', () => {
    writeFileSync(join(dir, 'src/index.ts'), 'export const a = 2;\n');
    const builds = start({}, ['--stamp']).builds; // as `npm run build` ends: no build from here
    expect(start()).toMatchObject({ code: 0, builds, said: expect.stringMatching(/up to date/) });
    expect(existsSync(join(dir, 'dist/.build-inputs'))).toBe(true);
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

describe('npm start builds what `aegislog dev` runs (scripts/build-start.mjs, real)', () => {
  let copy: string;
  beforeAll(() => {
    // The sources, configs and bin/ as a clone has them, with the repository's node_modules.
    copy = mkdtempSync(join(tmpdir(), 'aegislog-start-build-'));
    for (const path of ['src', 'demo', 'bin', 'scripts/build-start.mjs', 'scripts/build-if-stale.mjs', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) {
      cpSync(join(ROOT, path), join(copy, path), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
    mkdirSync(join(copy, 'dist'));
    writeFileSync(join(copy, 'dist/.build-inputs'), 'a full build of other sources\n');
  });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('builds the CLI and the demo pages, no other entry, and takes the full build stamp away', () => {
    const run = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: copy, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/building the CLI and the demo pages/);
    for (const file of ['dist/esm/cli.js', 'dist/demo/auditor/auditor.js', 'dist/demo/auditor/sw.js', 'dist/demo/auditor/index.html', 'dist/demo/chat/chat.js', 'dist/demo/chat/demo.css']) {
      expect(existsSync(join(copy, file)), file).toBe(true);
    }
    expect(existsSync(join(copy, 'dist/esm/index.js'))).toBe(false);
    expect(existsSync(join(copy, 'dist/.build-inputs'))).toBe(false);
    expect(existsSync(join(copy, 'dist/.start-inputs'))).toBe(true);
    // Only the package's own dependencies stay imports (as in the full build): the CLI runs from this copy.
    const cli = readFileSync(join(copy, 'dist/esm/cli.js'), 'utf8');
    expect(cli).not.toMatch(/from ["']\.\.?\//);
    const help = spawnSync(process.execPath, ['bin/aegislog.mjs', 'dev', '--help'], { cwd: copy, encoding: 'utf8' });
    expect(help.stdout + help.stderr).toMatch(/Usage: aegislog dev/);
    // The chat page's AI SDK reaches @vercel/oidc only through the stand-in (server-side code kept out).
    expect(readFileSync(join(copy, 'dist/demo/chat/chat.js'), 'utf8')).toContain('Vercel OIDC is server-side only');
  });

  it('then starts without building', () => {
    const run = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: copy, encoding: 'utf8' });
    expect(run).toMatchObject({ status: 0, stderr: expect.stringMatching(/up to date/) });
  });
});
