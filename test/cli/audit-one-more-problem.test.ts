// The audits print the first 10 problems of a group and then "… N more problems"; with N = 1 they said
// "… 1 more problems". A count of one takes the singular, as the summary lines' counts already do.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { fakeIO } from './fake-io.js';
import { makeSignedLog, type SignedLog } from './signed-log.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const dir = mkdtempSync(join(tmpdir(), 'aegislog-one-more-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function audit(args: string[]) {
  const io = fakeIO();
  const code = await auditCommand.run(args, io);
  return { code, out: io.stdout };
}

describe('audit: one problem more than those printed', () => {
  let log: SignedLog;
  beforeAll(async () => {
    const P0 = Date.UTC(2026, 10, 1);
    log = await makeSignedLog([{ start: P0, end: P0 + 86_400_000, tenants: { acme: 20 } }]);
  });

  it('version 1: "… 1 more problem"', async () => {
    const rows = log.periods[0]!.receipts.get('acme')!.map((r) => JSON.stringify(r.receipt));
    // 11 receipts twice: 11 problems, 10 printed.
    const exp = file('v1.ndjson', `${[...rows, ...rows.slice(0, 11)].join('\n')}\n`);
    const { tenant_head, tenant_inclusion, checkpoint } = log.bundle(0, 'acme', 0);
    const head = file('head.json', JSON.stringify({ tenant_head, tenant_inclusion, checkpoint }));
    const { code, out } = await audit(['--export', exp, '--checkpoints', file('cps.json', JSON.stringify({ checkpoints: log.checkpoints })), '--head', head, '--key', file('key.pem', log.key.publicPem)]);
    expect(code).toBe(1);
    expect(out).toContain('✗ acme 2026-11-01T00:00:00.000Z: 31 receipts: 11 problems with the receipts (first: appears twice)');
    expect(out).toContain('    … 1 more problem, 1 of them listed by --json');
  });

  it('version 2: "… 1 more problem after the first 100"', async () => {
    const lines = readFileSync(join(V, 'exports/beta.health-p4.ndjson'), 'utf8').trim().split('\n');
    // 50 repeats of one line (two problems each), and one line from another export (one more problem).
    const repeated = [...lines, ...Array.from({ length: 50 }, () => lines[1]!)];
    const path = file('repeats.ndjson', `${repeated.join('\n')}\n`);
    const base = [path, '--policy', join(V, 'policy-none.txt'), '--now', '2026-12-31T00:00:00.000Z'];
    const json = JSON.parse((await audit([...base, '--json'])).out.join('\n'));
    expect([json.problems.length, json.problemCount]).toEqual([100, 100]);
    const one = file('repeats-101.ndjson', `${[...repeated, '{oops'].join('\n')}\n`);
    const json101 = JSON.parse((await audit([one, ...base.slice(1), '--json'])).out.join('\n'));
    expect(json101.problemCount).toBe(101);
    const { out } = await audit([one, ...base.slice(1)]);
    expect(out).toContain('    … 1 more problem after the first 100, counted but not listed');
  });
});
