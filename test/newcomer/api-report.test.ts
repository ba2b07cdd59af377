// The API report check (issue 16, "The public API"): `npm test` runs `node scripts/api-report.mjs --check`
// after its build. Here it runs over a copy of api/ in which one report lost a line, as a branch that
// changed an entry without `npm run api` would leave it: the check must fail, name that report, and
// print the one command that regenerates the reports, so whoever moved the API can fix it.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireBuild } from './project.js';

let copy: string;
beforeAll(() => {
  requireBuild();
  copy = mkdtempSync(join(tmpdir(), 'aegislog-api-'));
  cpSync(join(ROOT, 'api'), copy, { recursive: true });
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('node scripts/api-report.mjs --check', () => {
  it('fails on an unreviewed change, names the report, and says which command regenerates it', () => {
    const report = join(copy, 'aegislog-edge.api.md');
    const text = readFileSync(report, 'utf8');
    const line = /^export function \w+[^\n]*\n/m.exec(text)![0];
    writeFileSync(report, text.replace(line, ''));

    const run = spawnSync(process.execPath, ['scripts/api-report.mjs', '--check'], {
      cwd: ROOT,
      env: { ...process.env, AEGISLOG_API_REPORTS: copy, NO_COLOR: '1' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/api: the public API differs from its checked-in report: \S*aegislog-edge\.api\.md/);
    expect(run.stderr).toContain('npm run api');
    // The copy is left as it was: a check never rewrites the reports.
    expect(readFileSync(report, 'utf8')).not.toContain(line);
    // API Extractor analyses every entry's declarations: 46-56 s on the two cores here while other
    // builds ran (load 10), over the suite's 30 s default. A bound against a hang, not a speed test.
  }, 300_000);
});
