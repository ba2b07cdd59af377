// Issue 16, item 7: `aegislog audit` with a wrong key, or a checkpoints file that is not JSON,
// as a newcomer first meets it. The log is made and signed by the test itself (test/cli/signed-log.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import { generateKeyPair } from '../../src/cli/keygen.js';
import { fakeIO } from '../cli/fake-io.js';
import { makeSignedLog, ndjson, type SignedLog } from '../cli/signed-log.js';

const DAY = 86_400_000;
const P0 = Date.UTC(2026, 10, 1);
const dir = mkdtempSync(join(tmpdir(), 'aegislog-newcomer-audit-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

let log: SignedLog;
let key: string;
let wrongKey: string;
let everything: string;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  log = await makeSignedLog([
    { start: P0, end: P0 + DAY, tenants: { acme: 5, beta: 3 } },
    { start: P0 + DAY, end: P0 + 2 * DAY, tenants: { acme: 4 } },
  ]);
  key = file('key.pem', log.key.publicPem);
  wrongKey = file('wrong.pem', (await generateKeyPair()).publicPem);
  everything = file('all.ndjson', log.periods.map((p) => [...p.receipts.values()].map(ndjson).join('')).join(''));
});

async function audit(args: string[]) {
  const io = fakeIO();
  const code = await auditCommand.run(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('aegislog audit never shows ✓ against a checkpoint it could not verify', () => {
  it('a complete export with the wrong key: every line fails, none says the root matches', async () => {
    const checkpoints = file('cps.json', JSON.stringify({ checkpoints: log.checkpoints }));
    const { code, out } = await audit(['--export', everything, '--checkpoints', checkpoints, '--key', wrongKey]);
    expect(code).toBe(1);
    expect(out[0]).toMatch(/^✗ checkpoints: the chain breaks at checkpoint 0: /);
    expect(out.filter((line) => line.startsWith('✓'))).toEqual([]);
    expect(out).toContain(
      '✗ acme 2026-11-01T00:00:00.000Z: 5 receipts: checkpoint 0 is not verified (the chain breaks at checkpoint 0), so nothing is proven against it',
    );
    expect(out.at(-1)).toBe('✗ audit failed');
  });

  it('with the right key the same export passes (the test above fails for the key alone)', async () => {
    const checkpoints = file('cps-ok.json', JSON.stringify({ checkpoints: log.checkpoints }));
    const { code, out } = await audit(['--export', everything, '--checkpoints', checkpoints, '--key', key]);
    expect(out.filter((line) => line.startsWith('✗'))).toEqual([]);
    expect(code).toBe(0);
  });

  it('a chain that breaks at checkpoint 1 keeps the ✓ of period 0 and fails period 1', async () => {
    const forged = log.checkpoints.map((c, i) => (i === 1 ? { ...c, signature_b64url: log.checkpoints[0]!.signature_b64url } : c));
    const checkpoints = file('cps-forged.json', JSON.stringify(forged));
    const { code, out } = await audit(['--export', everything, '--checkpoints', checkpoints, '--key', key, '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(out.join('\n'));
    expect(report.chain).toMatchObject({ ok: false, firstBreak: { index: 1 } });
    expect(report.groups.map((g: { tenant_id: string; period_start: string; ok: boolean }) => [g.tenant_id, g.period_start.slice(0, 10), g.ok])).toEqual([
      ['acme', '2026-11-01', true],
      ['beta', '2026-11-01', true],
      ['acme', '2026-11-02', false],
    ]);
    expect(report.groups[2].reason).toBe('checkpoint 1 is not verified (the chain breaks at checkpoint 1), so nothing is proven against it');
  });

  it('a signed head given with the wrong key fails as well', async () => {
    const { tenant_head, tenant_inclusion } = log.bundle(0, 'acme', 0);
    const checkpoints = file('cps-head.json', JSON.stringify({ checkpoints: log.checkpoints, tenant_heads: [{ tenant_head, tenant_inclusion }] }));
    const exp = file('acme.ndjson', ndjson(log.periods[0]!.receipts.get('acme')!));
    const { code, out } = await audit(['--export', exp, '--checkpoints', checkpoints, '--key', wrongKey]);
    expect(code).toBe(1);
    expect(out.filter((line) => line.startsWith('✓'))).toEqual([]);
  });
});

describe('aegislog audit names where a checkpoints file stops being JSON, without a cut quote', () => {
  const run = async (content: string) => {
    const { code, out, err } = await audit(['--export', everything, '--checkpoints', file('bad.json', content), '--key', key]);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    return err[0]!;
  };

  it('garbage on one long line', async () => {
    const message = await run('garbage, not JSON at all: a long line of text that goes on and on and on and on\n');
    expect(message).toMatch(/^aegislog audit: \S+bad\.json is not valid JSON \(unexpected "g" at line 1, column 1: garbage, not JSON at all: a long line of…\)$/);
    expect(message).not.toContain('"...');
  });

  it('an error deep in a pretty-printed file: line and column, and the text around it', async () => {
    const pretty = JSON.stringify({ checkpoints: log.checkpoints }, null, 2).split('\n');
    pretty[5] = `${pretty[5]!.replace(/,$/, '')} "oops",`; // a value after a value, no comma between
    const message = await run(pretty.join('\n'));
    expect(message).toMatch(/is not valid JSON \(unexpected "\\"" at line 6, column \d+: .*"oops",\)$/);
  });

  it('a file cut short', async () => {
    const message = await run('{"checkpoints": [{"v": 1');
    expect(message).toMatch(/is not valid JSON \(unexpected end of input at column 25: \{"checkpoints": \[\{"v": 1\)$/);
  });
});
