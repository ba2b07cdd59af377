// The version-1 audit (`aegislog audit --export`) read a line without bound: a file with no newline was read whole
// into one string, however large. Like the version-2 audit and --gaps, it now refuses a line longer than MAX_LINE
// as soon as it is that long, without keeping it: the line is counted as not a receipt, naming its length.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { MAX_LINE } from '../../src/verify/export-input.js';
import { fakeIO } from './fake-io.js';
import { makeSignedLog, type SignedLog } from './signed-log.js';

const P0 = Date.UTC(2026, 10, 1);
const dir = mkdtempSync(join(tmpdir(), 'aegislog-audit-v1-long-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let log: SignedLog;
let key: string;
let checkpoints: string;
beforeAll(async () => {
  log = await makeSignedLog([{ start: P0, end: P0 + 86_400_000, tenants: { acme: 2 } }]);
  key = file('key.pem', log.key.publicPem);
  checkpoints = file('checkpoints.json', JSON.stringify({ checkpoints: log.checkpoints }));
});

describe('aegislog audit --export and a line longer than MAX_LINE', () => {
  it('counts the long line as not a receipt, naming its length, and audits the others', async () => {
    const [a, b] = log.periods[0]!.receipts.get('acme')!.map((r) => JSON.stringify(r.receipt));
    const exp = file('long.ndjson', `${a}\n${'x'.repeat(MAX_LINE + 1)}\n${b}\n`);
    const io = fakeIO();
    const code = await auditCommand.run(['--export', exp, '--checkpoints', checkpoints, '--key', key, '--json'], io);
    expect(code).toBe(1);
    const report = JSON.parse(io.stdout.join('\n'));
    expect(report.unreadable).toEqual([{ line: 2, reason: 'the line is longer than 16 MiB' }]);
    expect(report.unreadable_count).toBe(1);
    expect(report.receipts).toBe(2);
  });

  it('a file of one line without a newline, longer than MAX_LINE, holds no receipt (exit 2)', async () => {
    const exp = file('one.ndjson', 'x'.repeat(MAX_LINE + 1));
    const io = fakeIO();
    const code = await auditCommand.run(['--export', exp, '--checkpoints', checkpoints, '--key', key], io);
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/one\.ndjson is not an NDJSON export \(line 1: the line is longer than 16 MiB\)/);
  });
});
