// Issue 16, item 6: better-sqlite3 installed without its native binding (npm skipped its install
// script: allowScripts, --ignore-scripts). The real bin and the built CLI run against a copy of
// better-sqlite3 that lacks build/, as npm leaves it; the other packages are the repository's own.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const sandbox = mkdtempSync(join(tmpdir(), 'aegislog-sqlite-hint-'));

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/esm/cli.js'))) throw new Error('dist/esm/cli.js is missing: run `npm run build` first');
  // A package folder as npm lays it out: bin/, dist/esm/, package.json, and node_modules beside it.
  cpSync(join(ROOT, 'bin'), join(sandbox, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist/esm'), join(sandbox, 'dist/esm'), { recursive: true });
  writeFileSync(join(sandbox, 'package.json'), JSON.stringify({ name: 'aegislog', type: 'module' }));
  const modules = join(sandbox, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === 'better-sqlite3' || name.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  }
  const sqlite = join(ROOT, 'node_modules/better-sqlite3');
  for (const part of ['package.json', 'lib']) cpSync(join(sqlite, part), join(modules, 'better-sqlite3', part), { recursive: true });
});
afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(sandbox, 'bin/aegislog.mjs'), ...args], { cwd: sandbox, timeout: 30_000 }, (error, _stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr });
    });
  });
}

describe('aegislog dev without the better-sqlite3 binding', () => {
  it('says what is missing and the command that fixes it, in a few lines instead of a bindings trace', async () => {
    const { code, stderr } = await run(['dev', '--port', '0', '--data', join(sandbox, 'data')]);
    expect(code).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('aegislog dev: better-sqlite3 is installed without its native binding: its install script did not run or failed.');
    expect(stderr).toContain('fix:  npm rebuild better-sqlite3');
    expect(stderr).toContain('"allowScripts": { "better-sqlite3": true }');
    expect(stderr).not.toContain('→'); // the loader's list of every path it tried
    expect(lines.length).toBeLessThanOrEqual(4);
  });
});
