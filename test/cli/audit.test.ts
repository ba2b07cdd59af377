import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import type { Receipt } from '../../src/protocol/index.js';
import { fakeIO } from './fake-io.js';
import { makeSignedLog, ndjson, type SignedLog } from './signed-log.js';

const DAY = 86_400_000;
const P0 = Date.UTC(2026, 10, 1);
const dir = mkdtempSync(join(tmpdir(), 'aegislog-audit-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

let log: SignedLog;
let key: string;
let checkpoints: string;
const receipts = (period: number, tenant: string): Receipt[] => log.periods[period]!.receipts.get(tenant)!.map((r) => r.receipt);
const lines = (list: readonly Receipt[]) => list.map((r) => JSON.stringify(r)).join('\n') + '\n';
/** What GET /head answers for a tenant and period. */
const headOf = (period: number, tenant: string) => {
  const { tenant_head, tenant_inclusion, checkpoint } = log.bundle(period, tenant, 0);
  return { tenant_head, tenant_inclusion, checkpoint };
};

beforeAll(async () => {
  log = await makeSignedLog([
    { start: P0, end: P0 + DAY, tenants: { acme: 40, beta: 7, 'gamma.io': 1 } },
    { start: P0 + DAY, end: P0 + 2 * DAY, tenants: { acme: 13, beta: 2 } },
    { start: P0 + 2 * DAY, end: P0 + 3 * DAY, tenants: {} },
  ]);
  key = file('key.pem', log.key.publicPem);
  checkpoints = file('checkpoints.json', JSON.stringify({ checkpoints: log.checkpoints }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function audit(args: string[], extra = {}) {
  const io = fakeIO(extra);
  const code = await auditCommand.run(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

/** What the audit of acme's period-0 export against its signed head prints, from a file or from stdin. */
const ACME0_PASSED = [
  `✓ checkpoints: 3 signed, chain unbroken, 2026-11-01T00:00:00.000Z to 2026-11-04T00:00:00.000Z`,
  '✓ acme 2026-11-01T00:00:00.000Z: 40 receipts, root equals the signed tenant head, proven in the checkpoint',
  '✓ audit passed: 40 receipts in 1 tenant tree',
];

describe('aegislog audit: exports that hold (exit 0)', () => {
  it("one tenant's export, against its signed head from GET /head", async () => {
    const exp = file('acme0.ndjson', ndjson(log.periods[0]!.receipts.get('acme')!));
    const head = file('head.json', JSON.stringify(headOf(0, 'acme')));
    const { code, out, err } = await audit(['--export', exp, '--checkpoints', checkpoints, '--head', head, '--key', key]);
    expect(err).toEqual([]);
    expect(out).toEqual(ACME0_PASSED);
    expect(code).toBe(0);
  });

  it('an unordered export, with the head given inside the checkpoints file, and every receipt signature', async () => {
    const shuffled = [...receipts(1, 'acme')].reverse();
    const exp = file('acme1-unordered.ndjson', lines(shuffled));
    const cps = file('cps-heads.json', JSON.stringify({ checkpoints: log.checkpoints, tenant_heads: [headOf(1, 'acme')] }));
    const { code, out } = await audit(['--export', exp, '--checkpoints', cps, '--key', key, '--signatures', '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out.join('\n'));
    expect(json.groups).toEqual([expect.objectContaining({ tenant_id: 'acme', ok: true, against: 'tenant_head', count: 13, tree_size: 13, in_order: false })]);
    expect(json.groups[0].checks).toMatchObject({ head: { ok: true }, root: { ok: true }, signatures: { ok: true } });
  });

  it('every tenant of two periods concatenated, without heads: proven by the global roots', async () => {
    const all = log.periods.flatMap((p) => [...p.receipts.values()].flat().map((r) => r.receipt));
    const exp = file('everything.ndjson', lines(all));
    const { code, out } = await audit(['--export', exp, '--checkpoints', checkpoints, '--key', key]);
    expect(out.slice(1, 6)).toEqual([
      "✓ acme 2026-11-01T00:00:00.000Z: 40 receipts, every tenant of the period rebuilt: the checkpoint's global root matches",
      "✓ beta 2026-11-01T00:00:00.000Z: 7 receipts, every tenant of the period rebuilt: the checkpoint's global root matches",
      "✓ gamma.io 2026-11-01T00:00:00.000Z: 1 receipt, every tenant of the period rebuilt: the checkpoint's global root matches",
      "✓ acme 2026-11-02T00:00:00.000Z: 13 receipts, every tenant of the period rebuilt: the checkpoint's global root matches",
      "✓ beta 2026-11-02T00:00:00.000Z: 2 receipts, every tenant of the period rebuilt: the checkpoint's global root matches",
    ]);
    expect(out.at(-1)).toBe('✓ audit passed: 63 receipts in 5 tenant trees');
    expect(code).toBe(0);
  });

  it('draws a progress bar only on a terminal, and clears it', async () => {
    const exp = file('progress.ndjson', ndjson(log.periods[0]!.receipts.get('acme')!));
    const head = file('head-progress.json', JSON.stringify(headOf(0, 'acme')));
    const drawn: string[] = [];
    const args = ['--export', exp, '--checkpoints', checkpoints, '--head', head, '--key', key];
    expect((await audit(args, { progress: { write: (t: string) => drawn.push(t), columns: 80 } })).code).toBe(0);
    expect(drawn[0]).toMatch(/^\r\[#+\] 100% 40 receipts [\d,]+\/s\x1b\[K$/);
    expect(drawn.at(-1)).toBe('\r\x1b[K');
  });
});

describe('aegislog audit: exports that do not hold (exit 1)', () => {
  const run = async (name: string, list: readonly Receipt[], extra: string[] = [], heads = [headOf(0, 'acme')]) => {
    const cps = file(`${name}-cps.json`, JSON.stringify({ checkpoints: log.checkpoints, tenant_heads: heads }));
    return audit(['--export', file(`${name}.ndjson`, lines(list)), '--checkpoints', cps, '--key', key, ...extra]);
  };

  it('a receipt left out', async () => {
    const { code, out } = await run('missing', receipts(0, 'acme').slice(1));
    expect(code).toBe(1);
    expect(out[1]).toBe('✗ acme 2026-11-01T00:00:00.000Z: 39 receipts: the export has 39 receipts, the signed head 40: 1 missing');
    expect(out.at(-1)).toBe('✗ audit failed');
  });

  it('a receipt twice', async () => {
    const list = receipts(0, 'acme');
    const { code, out } = await run('twice', [...list, list[5]!]);
    expect(code).toBe(1);
    expect(out.some((l) => /^ {4}acme-\S+: appears twice$/.test(l))).toBe(true);
  });

  it('a receipt moved in time (its statement, hence the root, changes)', async () => {
    const list = receipts(0, 'acme').map((r, i) => (i === 7 ? { ...r, received_at: '2026-11-01T23:59:59.999Z' } : r));
    const { code, out } = await run('moved', list);
    expect(code).toBe(1);
    expect(out[1]).toMatch(/^✗ acme 2026-11-01T00:00:00\.000Z: 40 receipts: the rebuilt root differs from the signed head/);
  });

  it('a forged receipt signature, found by --signatures only', async () => {
    const other = receipts(0, 'acme')[0]!.signature_b64url;
    const list = receipts(0, 'acme').map((r, i) => (i === 3 ? { ...r, signature_b64url: other } : r));
    expect((await run('forged', list)).code).toBe(0);
    const { code, out } = await run('forged-sig', list, ['--signatures']);
    expect(code).toBe(1);
    expect(out[1]).toMatch(/^✗ acme .*: 1 receipt signature does not verify$/);
  });

  it('one tenant of a period without its head: not provable, and says how to fix it', async () => {
    const { code, out } = await run('partial', receipts(0, 'beta'), [], []);
    expect(code).toBe(1);
    expect(out[1]).toBe(
      '✗ beta 2026-11-01T00:00:00.000Z: 7 receipts: no signed tenant head was given (--head: GET /head?tenant_id=beta&period_start=2026-11-01T00:00:00.000Z), ' +
        "and the 1 tenant(s) in the export do not rebuild the checkpoint's global root over 3 tenant(s)",
    );
  });

  it('a head for another tenant does not prove this one', async () => {
    const stolen = { ...headOf(0, 'beta') };
    const { code, out } = await run('stolen', receipts(0, 'acme'), [], [{ ...stolen, tenant_head: { ...stolen.tenant_head!, tenant_id: 'acme' } }]);
    expect(code).toBe(1);
    expect(out[1]).toMatch(/^✗ acme .*: the tenant head is not proven in the checkpoint root/);
  });

  it('receipts after the last checkpoint, and lines that are not receipts', async () => {
    const late = { ...receipts(0, 'acme')[0]!, received_at: '2026-11-05T10:00:00.000Z' };
    const exp = file('late.ndjson', `${lines(receipts(0, 'acme'))}${JSON.stringify(late)}\n{oops\n[1,2]\n`);
    const cps = file('late-cps.json', JSON.stringify({ checkpoints: log.checkpoints, tenant_heads: [headOf(0, 'acme')] }));
    const { code, out } = await audit(['--export', exp, '--checkpoints', cps, '--key', key]);
    expect(code).toBe(1);
    expect(out).toContain('✗ in no period of the checkpoints file: 1 receipt (the open period, or checkpoints missing)');
    expect(out).toContain('✗ 2 lines are not receipts');
    expect(out).toContain('    line 42: not JSON');
    expect(out).toContain('    line 43: not a receipt object');
  });

  it('a broken checkpoint chain', async () => {
    const broken = log.checkpoints.map((c, i) => (i === 1 ? { ...c, sealed_at: '2026-11-03T00:00:00.001Z' } : c));
    const cps = file('broken.json', JSON.stringify(broken));
    const exp = file('b.ndjson', lines(receipts(0, 'acme')));
    const { code, out } = await audit(['--export', exp, '--checkpoints', cps, '--key', key, '--head', file('h.json', JSON.stringify(headOf(0, 'acme')))]);
    expect(code).toBe(1);
    expect(out[0]).toMatch(/^✗ checkpoints: the chain breaks at checkpoint 1: /);
  });

  it('an empty export is no export: unusable input (exit 2), as for version 2 and --gaps', async () => {
    for (const [name, text] of [['empty.ndjson', ''], ['blank.ndjson', '\n\n']] as const) {
      const io = fakeIO();
      const code = await auditCommand.run(['--export', file(name, text), '--checkpoints', checkpoints, '--key', key], io);
      expect(code).toBe(2);
      expect(io.stdout).toEqual([]);
      expect(io.stderr).toEqual([`aegislog audit: ${join(dir, name)} holds no receipt: an export has one line per receipt`]);
    }
  });
});

describe('aegislog audit: input it cannot use (exit 2, one line)', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['no --export', () => ['--checkpoints', checkpoints, '--key', key], /^aegislog audit: missing argument: the export to audit/],
    ['no --checkpoints', () => ['--export', file('x.ndjson', '{}'), '--key', key], /^aegislog audit: --checkpoints is required/],
    ['a missing export', () => ['--export', join(dir, 'none.ndjson'), '--checkpoints', checkpoints, '--key', key], /^aegislog audit: cannot read \S+none\.ndjson: no such file$/],
    ['an export that is not NDJSON', () => ['--export', file('pdf.ndjson', '%PDF-1.7\n%âãÏÓ\n'), '--checkpoints', checkpoints, '--key', key], /^aegislog audit: \S+pdf\.ndjson is not an NDJSON export \(line 1: not JSON\)$/],
    ['garbage checkpoints', () => ['--export', file('y.ndjson', '{}'), '--checkpoints', file('g.json', 'nope'), '--key', key], /^aegislog audit: \S+g\.json is not valid JSON/],
    ['a head file that is no head', () => ['--export', file('z.ndjson', '{}'), '--checkpoints', checkpoints, '--key', key, '--head', file('nohead.json', '{"a":1}')], /^aegislog audit: \S+nohead\.json: expected \{"tenant_head", "tenant_inclusion"\}/],
    ['a stray argument', () => ['export.ndjson', 'more.ndjson', '--key', key], /^aegislog audit: unexpected argument 'more\.ndjson'/],
    ['a version-2 export and version-1 flags', () => ['export.ndjson', '--export', 'x.ndjson', '--key', key], /^aegislog audit: give a version-2 EXPORT, or --export with --checkpoints for version 1, not both/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const { code, out, err } = await audit(args());
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
  });
});

describe('aegislog audit (v1): more problems than it prints', () => {
  it('says how many more --json lists and how many it only counts', async () => {
    // Found in review (2026-12-04): the text said "(see --json)" for all of them; --json lists 100.
    const acme = receipts(0, 'acme');
    const exp = file('acme0-copies.ndjson', lines([...acme, ...acme, ...acme, ...acme]));
    const head = file('head-copies.json', JSON.stringify(headOf(0, 'acme')));
    const { code, out } = await audit(['--export', exp, '--checkpoints', checkpoints, '--head', head, '--key', key]);
    expect(code).toBe(1);
    const { out: json } = await audit(['--export', exp, '--checkpoints', checkpoints, '--head', head, '--key', key, '--json']);
    const group = JSON.parse(json.join('\n')).groups[0];
    expect(group.problems).toHaveLength(100);
    expect(group.problem_count ?? group.problemCount).toBe(120);
    expect(out).toContain('    … 110 more problems, 90 of them listed by --json; 20 counted but not listed');
  });
});

describe('aegislog audit (v1): --export - reads stdin', () => {
  /** Stdin in pieces that cut lines (and a BOM): it comes in chunks of any size. */
  const stdinOf = (text: string | Uint8Array, cuts = [1, 2, 100, 2000]) => {
    const bytes = typeof text === 'string' ? Buffer.from(text) : Buffer.from(text);
    const edges = [0, ...cuts.filter((c) => c < bytes.length), bytes.length];
    return Readable.from(edges.slice(1).map((end, i) => bytes.subarray(edges[i], end)));
  };

  it('audits the export piped to it as it audits the file', async () => {
    const head = file('head-stdin.json', JSON.stringify(headOf(0, 'acme')));
    const text = `\uFEFF${ndjson(log.periods[0]!.receipts.get('acme')!)}`; // a BOM cut across the first chunks too
    const { code, out, err } = await audit(['--export', '-', '--checkpoints', checkpoints, '--head', head, '--key', key], { stdin: stdinOf(text) });
    expect(err).toEqual([]);
    expect(out).toEqual(ACME0_PASSED);
    expect(code).toBe(0);
  });

  it('names stdin in what it refuses: a line that is not JSON, bytes that are not UTF-8, no receipt', async () => {
    const args = ['--export', '-', '--checkpoints', checkpoints, '--key', key];
    expect(await audit(args, { stdin: stdinOf('%PDF-1.7\n') })).toMatchObject({ code: 2, err: ['aegislog audit: stdin is not an NDJSON export (line 1: not JSON)'] });
    expect(await audit(args, { stdin: stdinOf('\n\n') })).toMatchObject({ code: 2, err: ['aegislog audit: stdin holds no receipt: an export has one line per receipt'] });
    const good = lines(receipts(0, 'acme').slice(0, 3));
    const bad = Buffer.concat([Buffer.from(good), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]);
    expect(await audit(args, { stdin: stdinOf(bad) })).toMatchObject({
      code: 2,
      err: [`aegislog audit: stdin is not UTF-8: an invalid byte sequence at line 4, byte offset ${good.length + 1} (convert the file to UTF-8, e.g. with iconv)`],
    });
  });

  it('names stdin, not -, in what it refuses of a checkpoints or head file read from it', async () => {
    const exp = file('acme0-named.ndjson', ndjson(log.periods[0]!.receipts.get('acme')!));
    expect(await audit(['--export', exp, '--checkpoints', '-', '--key', key], { stdin: stdinOf('{"checkpoints": 3}') })).toMatchObject({
      code: 2,
      err: ['aegislog audit: stdin: expected {"checkpoints": [...]} (GET /checkpoints) or an array of checkpoints'],
    });
    expect(await audit(['--export', exp, '--checkpoints', '-', '--key', key], { stdin: stdinOf('[1]') })).toMatchObject({ code: 2, err: ['aegislog audit: stdin: checkpoints[0] is not a signed checkpoint'] });
    expect(await audit(['--export', exp, '--checkpoints', checkpoints, '--head', '-', '--key', key], { stdin: stdinOf('{}') })).toMatchObject({
      code: 2,
      err: ['aegislog audit: stdin: expected {"tenant_head", "tenant_inclusion"} (GET /head, or a sealed evidence bundle)'],
    });
    expect(await audit(['--export', exp, '--checkpoints', '-', '--key', key], { stdin: stdinOf('{"checkpoints": [') })).toMatchObject({ code: 2, err: ['aegislog audit: stdin is not valid JSON (unexpected end of input at column 18: {"checkpoints": [)'] });
  });

  it('takes - once among its inputs: stdin can be read only once', async () => {
    const head = file('head-once.json', JSON.stringify(headOf(0, 'acme')));
    const exp = file('acme0-once.ndjson', ndjson(log.periods[0]!.receipts.get('acme')!));
    for (const args of [
      ['--export', '-', '--checkpoints', '-', '--key', key],
      ['--export', '-', '--checkpoints', checkpoints, '--head', '-', '--key', key],
      ['--export', '-', '--checkpoints', checkpoints, '--key', '-'],
      ['--export', exp, '--checkpoints', checkpoints, '--head', '-', '--head', '-', '--key', key],
    ]) {
      const { code, out, err } = await audit(args, { stdin: stdinOf(JSON.stringify(headOf(0, 'acme'))) });
      expect({ args, code, out, err }).toEqual({ args, code: 2, out: [], err: ['aegislog audit: stdin (-) can be given once'] });
    }
    // Once is fine, for any of them: here the head.
    const once = await audit(['--export', exp, '--checkpoints', checkpoints, '--head', '-', '--key', key], { stdin: stdinOf(readFileSync(head)) });
    expect(once).toMatchObject({ code: 0, err: [] });
  });
});
