// `aegislog verify`, `audit` and `history` on version-2 evidence: the independent vectors
// (test/vectors/aegislog-v2) under their policies, tampered copies, and input the commands
// cannot use. The vectors' cosignatures are stamped 2026-12-06; --now sets the auditor's clock.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit.js';
import type { Command } from '../../src/cli/command.js';
import { historyCommand } from '../../src/cli/history.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { fakeIO } from './fake-io.js';

const V = join(import.meta.dirname, '../vectors/aegislog-v2');
const at = (path: string) => join(V, path);
const NOW = ['--now', '2026-12-31T00:00:00.000Z'];
const POLICY_NONE = ['--policy', at('policy-none.txt')];
const POLICY_2OF2 = ['--policy', at('policy-2of2.txt')];
const dir = mkdtempSync(join(tmpdir(), 'aegislog-v2-cli-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(command: Command, args: string[], extra = {}) {
  const io = fakeIO(extra);
  const code = await command.run(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('aegislog verify, version 2', () => {
  it('passes a bundle under its policy: each check on a line, the skipped ones marked and explained', async () => {
    const { code, out, err } = await run(verifyCommand, [at('bundles/acme-bank-p4-leaf256.json'), ...POLICY_2OF2, ...NOW]);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out).toEqual([
      '✓ digest',
      '✓ receipt_signature',
      '✓ inclusion',
      '✓ period',
      '✓ head_inclusion',
      '✓ checkpoint_signature',
      expect.stringMatching(/^✓ witnesses: cosigned by w1, w2 \(quorum .+\)$/),
      '– consistency: skipped, no earlier trusted checkpoint was given',
      expect.stringMatching(/^✓ sealed evidence acme-bank\/\S+: all 7 checks passed \(1 skipped\)$/),
    ]);
  });

  it('checks several files at once, v2 under the pinned receipt key alone (quorum none)', async () => {
    const files = ['bundles/acme-bank-p0-leaf0.json', 'bundles/zeta_ins-p4-leaf65536.json', 'bundles/note-ecdsa-high-s.json'].map(at);
    const { code, out } = await run(verifyCommand, [...files, '--key', at('keys/receipt-ecdsa.pub.pem'), ...NOW]);
    expect(code).toBe(0);
    expect(out.filter((l) => l.startsWith('  – witnesses: skipped, no policy'))).toHaveLength(3);
    expect(out.at(-1)).toBe('3 bundles: 3 passed, 0 failed');
  });

  it('a note cosigned by one witness fails a 2-of-2 policy (exit 1), naming the quorum', async () => {
    const bundle = JSON.parse(readFileSync(at('bundles/note-both-w1-w2.json'), 'utf8'));
    bundle.checkpoint = bundle.checkpoint.split(/(?<=\n)/).filter((l: string) => !l.startsWith('— witness.beta')).join('');
    const { code, out } = await run(verifyCommand, [file('one-witness.json', JSON.stringify(bundle)), ...POLICY_2OF2, ...NOW, '--json']);
    expect(code).toBe(1);
    const json = JSON.parse(out.join('\n'));
    expect(json).toMatchObject({ ok: false, version: 2, checks: { witnesses: { status: 'failed' }, checkpoint_signature: { status: 'passed' } } });
  });

  it('the --now clock decides whether a cosignature lies in the future', async () => {
    const { code, out } = await run(verifyCommand, [at('bundles/note-both-w1-w2.json'), ...POLICY_2OF2, '--now', '2026-12-02T00:00:00.000Z']);
    expect(code).toBe(1);
    expect(out.find((l) => l.startsWith('✗ witnesses: '))).toMatch(/future/);
  });

  it('an export or a history given for a bundle is the wrong command (exit 2), not broken evidence', async () => {
    for (const [input, message] of [
      ['exports/acme-bank-p4.ndjson', 'is a period export, not an evidence bundle: check it with aegislog audit'],
      ['histories/history-range.json', 'is a list of checkpoints, not an evidence bundle: check a history with aegislog history'],
    ] as const) {
      const { code, out, err } = await run(verifyCommand, [at(input), ...POLICY_NONE, ...NOW]);
      expect(code, input).toBe(2);
      expect(out).toEqual([]);
      expect(err).toEqual([`aegislog verify: ${at(input)} ${message}`]);
    }
  });

  it('--checkpoints (version-1 checkpoints) on a version-2 bundle: a skipped chain check, not silently dropped', async () => {
    const cps = file('v1-checkpoints.json', JSON.stringify({ checkpoints: [] }));
    const { code, out } = await run(verifyCommand, [at('bundles/acme-bank-p4-leaf256.json'), ...POLICY_2OF2, ...NOW, '--checkpoints', cps]);
    expect(code).toBe(0);
    expect(out).toContain('– chain: skipped, earlier version-1 checkpoints (checkpoints, --checkpoints) apply to version-1 bundles; this one is version 2: give a trusted checkpoint note (trusted, --trusted) for the consistency check');
  });

  it('--trusted: an earlier checkpoint of the same log gives a consistency check', async () => {
    const history = JSON.parse(readFileSync(at('histories/history-full-2of2.json'), 'utf8'));
    // Entry 3 (size 257) comes right before the bundle's checkpoint (entry 4, size 261) in the history.
    expect([history.checkpoints[3].tree_size, history.checkpoints[4].tree_size]).toEqual([257, 261]);
    const trusted = file('trusted.note', history.checkpoints[3].note);
    const bundle = JSON.parse(readFileSync(at('bundles/acme-bank-p4-leaf256.json'), 'utf8'));
    const proof = { from_size: 257, path_b64url: history.checkpoints[4].consistency_b64url };
    const { code, out } = await run(verifyCommand, [file('with-proof.json', JSON.stringify({ ...bundle, consistency: proof })), ...POLICY_2OF2, ...NOW, '--trusted', trusted]);
    expect(out).toContain('✓ consistency');
    expect(code).toBe(0);
    // An empty --trusted file is not "no earlier checkpoint given", nor broken evidence: it is unusable input (exit 2).
    // So is a file that is no checkpoint note (a saved bundle); the evidence is not judged on it.
    for (const [name, content] of [['empty.note', ''], ['bundle.note', readFileSync(at('bundles/acme-bank-p0-leaf0.json'), 'utf8')]] as const) {
      const bad = await run(verifyCommand, [file('with-proof-2.json', JSON.stringify({ ...bundle, consistency: proof })), ...POLICY_2OF2, ...NOW, '--trusted', file(name, content)]);
      expect(bad.code).toBe(2);
      expect(bad.out).toEqual([]);
      expect(bad.err).toEqual([expect.stringMatching(new RegExp(`^aegislog verify: --trusted \\S+${name.replace('.', '\\.')}: not a checkpoint note \\(.+\\)$`))]);
    }
    // A checkpoint note that does not verify under the trust still fails the consistency check.
    const lines = history.checkpoints[3].note.split('\n');
    const forged = file('forged.note', [lines[0], '258', ...lines.slice(2)].join('\n'));
    const unsigned = await run(verifyCommand, [file('with-proof-3.json', JSON.stringify({ ...bundle, consistency: proof })), ...POLICY_2OF2, ...NOW, '--trusted', forged]);
    expect(unsigned.code).toBe(1);
    expect(unsigned.out.find((l) => l.startsWith('✗ consistency: the trusted checkpoint does not verify'))).toBeDefined();
  });

  it.each([
    ['a policy that is not one', () => [at('bundles/acme-bank-p0-leaf0.json'), '--policy', file('bad-policy.txt', 'log nonsense\n')], /^aegislog verify: --policy \S+: not a tlog-policy \(.+\)$/],
    // Names in Latin-1 (é, è): a lenient decoder made both U+FFFD and called them one name given twice.
    [
      'a policy that is not UTF-8',
      () => {
        const policy = readFileSync(at('policy-2of2.txt'), 'latin1').replace(/ w1\b/g, ' w\u00e9').replace(/ w2\b/g, ' w\u00e8');
        const path = join(dir, 'latin1-policy.txt');
        writeFileSync(path, Buffer.from(policy, 'latin1'));
        return [at('bundles/acme-bank-p0-leaf0.json'), '--policy', path];
      },
      /^aegislog verify: --policy \S+latin1-policy\.txt is not UTF-8: an invalid byte sequence at line \d+, byte offset \d+ \(convert the file to UTF-8, e\.g\. with iconv\)$/,
    ],
    ['a missing policy file', () => [at('bundles/acme-bank-p0-leaf0.json'), '--policy', join(dir, 'none.txt')], /^aegislog verify: cannot read \S+none\.txt: no such file$/],
    ['a bad --now', () => [at('bundles/acme-bank-p0-leaf0.json'), ...POLICY_NONE, '--now', 'yesterday'], /^aegislog verify: --now yesterday: not an RFC 3339 time$/],
    // No offset: Date.parse would read it in the local time zone, an hour off in Berlin.
    ['a --now without its offset', () => [at('bundles/acme-bank-p0-leaf0.json'), ...POLICY_NONE, '--now', '2026-12-06T00:00:00'], /^aegislog verify: --now 2026-12-06T00:00:00: not an RFC 3339 time$/],
    ['a --now without seconds', () => [at('bundles/acme-bank-p0-leaf0.json'), ...POLICY_NONE, '--now', '2026-12-06T00:00Z'], /^aegislog verify: --now 2026-12-06T00:00Z: not an RFC 3339 time$/],
  ])('%s: one line, exit 2', async (_name, args, message) => {
    const { code, out, err } = await run(verifyCommand, args());
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
  });
});

describe('a policy whose key verifies nothing (an ECDSA point off P-256)', () => {
  it('is a bad policy for verify, audit and history: one line, exit 2, no crash and no failed evidence', async () => {
    const spki = Buffer.from(`3059301306072a8648ce3d020106082a8648ce3d03010703420004${'11'.repeat(64)}`, 'hex');
    const id = createHash('sha256').update(spki).digest().subarray(0, 4).toString('hex');
    const policy = file('off-curve.txt', `log evidence.acme.example/log+${id}+${Buffer.concat([Buffer.from([2]), spki]).toString('base64')}\nquorum none\n`);
    for (const [command, input] of [[verifyCommand, 'bundles/acme-bank-p0-leaf0.json'], [auditCommand, 'exports/acme-bank-p4.ndjson'], [historyCommand, 'histories/history-range.json']] as const) {
      const { code, out, err } = await run(command, [at(input), '--policy', policy, ...NOW]);
      expect(code).toBe(2);
      expect(out).toEqual([]);
      expect(err).toEqual([expect.stringMatching(/^aegislog \w+: --policy \S+off-curve\.txt: not a tlog-policy \(ECDSA note key evidence\.acme\.example\/log: the public key is not a point on P-256\)$/)]);
    }
  });
});

describe('aegislog audit EXPORT, version 2', () => {
  it('passes each export of the vectors under its policy', async () => {
    for (const [path, policy] of [['exports/acme-bank-p0.ndjson', 'policy-none.txt'], ['exports/acme-bank-p4.ndjson', 'policy-1of2.txt'], ['exports/beta.health-p4.ndjson', 'policy-none.txt']]) {
      const { code, out, err } = await run(auditCommand, [at(path!), '--policy', at(policy!), '--signatures', ...NOW]);
      expect(err, path).toEqual([]);
      expect(code, out.join('\n')).toBe(0);
      expect(out.at(-1)).toMatch(/^✓ audit passed: \S+ \S+ to \S+: \d+ receipts?, entries \[\d+, \d+\) of the tenant log$/);
    }
  });

  it('reads stdin, and --json gives every check by name', async () => {
    const stdin = Readable.from([readFileSync(at('exports/beta.health-p4.ndjson'))]);
    const { code, out } = await run(auditCommand, ['-', ...POLICY_NONE, ...NOW, '--json'], { stdin });
    expect(code).toBe(0);
    const json = JSON.parse(out.join('\n'));
    expect(Object.keys(json.checks).sort()).toEqual(['checkpoint_signature', 'entries', 'events', 'frontier', 'head_inclusion', 'header', 'prev_head_inclusion', 'root', 'signatures', 'witnesses']);
    expect(json).toMatchObject({ ok: true, tenantId: 'beta.health', count: 5, treeSize: 8 });
  });

  it('verify, audit and history take - once among their inputs: stdin can be read only once', async () => {
    const policy = readFileSync(at('policy-none.txt'));
    for (const [command, args] of [
      [verifyCommand, ['-', '--policy', '-', ...NOW]],
      [verifyCommand, [at('bundles/acme-bank-p4-leaf256.json'), '-', '-', ...POLICY_NONE, ...NOW]],
      [verifyCommand, ['-', ...POLICY_NONE, '--checkpoints', '-', ...NOW]],
      [auditCommand, ['-', '--policy', '-', ...NOW]],
      [historyCommand, ['-', '--policy', '-', ...NOW]],
    ] as const) {
      const { code, out, err } = await run(command, [...args], { stdin: Readable.from([policy]) });
      expect({ args, code, out, err }).toEqual({ args, code: 2, out: [], err: [expect.stringMatching(/^aegislog \w+: stdin \(-\) can be given once$/)] });
    }
  });

  it('a missing line fails entries and root, naming what is missing (exit 1); no ✓ under a failed check', async () => {
    const lines = readFileSync(at('exports/beta.health-p4.ndjson'), 'utf8').trim().split('\n');
    const { code, out } = await run(auditCommand, [file('gap.ndjson', [lines[0], lines[1], ...lines.slice(3)].join('\n')), ...POLICY_NONE, ...NOW]);
    expect(code).toBe(1);
    expect(out).toContain('✗ entries: 1 problem with the lines (first: leaf_index 5: entries 4 are missing before leaf_index 5)');
    expect(out.find((l) => l.startsWith('✗ root: '))).toBeDefined();
    expect(out.at(-1)).toMatch(/^✗ audit failed: entries: /);
  });

  it('more problems than the 10 shown: says how many more, and --json lists them', async () => {
    const lines = readFileSync(at('exports/beta.health-p4.ndjson'), 'utf8').trim().split('\n');
    const repeated = [...lines, ...Array.from({ length: 15 }, () => lines[1]!)]; // 15 repeats, 2 problems each
    const path = file('repeats.ndjson', `${repeated.join('\n')}\n`);
    const { code, out } = await run(auditCommand, [path, ...POLICY_NONE, ...NOW]);
    expect(code).toBe(1);
    expect(out.find((l) => l.startsWith('✗ entries: '))).toMatch(/^✗ entries: 30 problems /);
    const start = out.findIndex((l) => l.startsWith('✗ entries: '));
    expect(out.slice(start + 1, start + 11).every((l) => l.startsWith('    leaf_index 3, '))).toBe(true);
    expect(out[start + 11]).toBe('    … 20 more listed with --json');
    const json = JSON.parse((await run(auditCommand, [path, ...POLICY_NONE, ...NOW, '--json'])).out.join('\n'));
    expect([json.problems.length, json.problemCount]).toEqual([30, 30]);
  });

  it('a receipt signed by another key fails signatures, naming its leaf', async () => {
    const lines = readFileSync(at('exports/beta.health-p4.ndjson'), 'utf8').trim().split('\n');
    const other = JSON.parse(readFileSync(at('bundles/receipt-high-s-gamma-ai-2.json'), 'utf8')).receipt.signature_b64url;
    const second = { ...JSON.parse(lines[2]!), signature_b64url: other };
    const { code, out } = await run(auditCommand, [file('badsig.ndjson', [lines[0], lines[1], JSON.stringify(second), ...lines.slice(3)].join('\n')), ...POLICY_NONE, ...NOW, '--signatures']);
    expect(code).toBe(1);
    expect(out.find((l) => l.startsWith('✗ signatures: '))).toBeDefined();
    expect(out.find((l) => /^ {4}leaf_index 4, line 3/.test(l))).toBeDefined();
  });

  it.each([
    ['not an export', () => [file('not-export.ndjson', '{"v":1,"tenant_id":"x","digest_b64url":"x","signature_b64url":"x"}\n'), ...POLICY_NONE], /^aegislog audit: \S+ is not a version-2 export \(the first line is a receipt, not an export header \(a version-1 export has none\); audit a version-1 export with --export and --checkpoints\)$/],
    ['an empty file', () => [file('empty.ndjson', ''), ...POLICY_NONE], /^aegislog audit: \S+ is not a version-2 export \(the export is empty\)$/],
    // However many lines follow: the verdict on unusable input must not depend on its length.
    ['not an export, five lines', () => [file('not-export-5.ndjson', '{"v":1,"tenant_id":"x","digest_b64url":"x","signature_b64url":"x"}\n'.repeat(5)), ...POLICY_NONE], /^aegislog audit: \S+ is not a version-2 export \(the first line is a receipt, not an export header \(a version-1 export has none\); audit a version-1 export with --export and --checkpoints\)$/],
    ['not JSON, two lines', () => [file('garbage-2.ndjson', 'hello\nworld\n'), ...POLICY_NONE], /^aegislog audit: \S+ is not a version-2 export \(the first line is not a JSON export header\)$/],
    ['a missing file', () => [join(dir, 'nope.ndjson'), ...POLICY_NONE], /^aegislog audit: cannot read \S+nope\.ndjson: no such file$/],
    ['no trust', () => [at('exports/acme-bank-p0.ndjson')], /^aegislog audit: --key or --policy is required/],
  ])('%s: one line, exit 2', async (_name, args, message) => {
    const { code, out, err } = await run(auditCommand, args());
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
  });
});

describe("aegislog audit EXPORT of the open period (no signed tenant head): not proven, as verify says of a pending bundle", () => {
  const OWN = join(import.meta.dirname, '../vectors/aegislog-v2-own');
  const OPEN = [join(OWN, 'exports/alpha-open.ndjson'), '--policy', join(OWN, 'policy-none.txt'), ...NOW];
  const NOT_PROVEN = 'open period, not proven: no signed tenant head says that no receipt is missing or added (audit its export again once the period is sealed)';

  it('its receipts verify: exit 0, but it says in words that the period is not proven, never "audit passed"', async () => {
    const { code, out } = await run(auditCommand, [...OPEN, '--signatures']);
    expect(code).toBe(0);
    expect(out.filter((l) => l.includes('audit passed'))).toEqual([]);
    expect(out).toContain(`– root: skipped, ${NOT_PROVEN}`);
    expect(out.at(-1)).toBe('✓ open period, not proven: 2 receipts of a period not sealed yet, each signed by a key you trust; no signed tenant head says that none is missing or added (audit its export again once the period is sealed)');
    // --json: the checks that would prove the period are skipped, saying why; skipped never counts as passed.
    const json = JSON.parse((await run(auditCommand, [...OPEN, '--signatures', '--json'])).out.join('\n'));
    expect(json).toMatchObject({ ok: true, status: 'open', count: 2 });
    for (const name of ['head_inclusion', 'prev_head_inclusion', 'frontier', 'root']) expect(json.checks[name], name).toEqual({ status: 'skipped', ok: false, reason: NOT_PROVEN });
  });

  it('--sealed: it fails (exit 1), in words and in --json; a sealed export still passes', async () => {
    const { code, out } = await run(auditCommand, [...OPEN, '--signatures', '--sealed']);
    expect(code).toBe(1);
    expect(out.at(-1)).toMatch(/^✗ open period, not proven: 2 receipts of a period not sealed yet/);
    const json = await run(auditCommand, [...OPEN, '--signatures', '--sealed', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out.join('\n'))).toMatchObject({ ok: false, status: 'open', reason: `head_inclusion: ${NOT_PROVEN}` });
    const sealed = await run(auditCommand, [join(OWN, 'exports/alpha-p0.ndjson'), '--policy', join(OWN, 'policy-none.txt'), ...NOW, '--sealed']);
    expect(sealed.code).toBe(0);
    expect(sealed.out.at(-1)).toMatch(/^✓ audit passed: alpha /);
    // As verify has it for the pending bundle of the same period: exit 0 without --sealed, 1 with it.
    const pending = [join(OWN, 'bundles/alpha-pending.json'), '--policy', join(OWN, 'policy-none.txt'), ...NOW];
    expect((await run(verifyCommand, pending)).code).toBe(0);
    expect((await run(verifyCommand, [...pending, '--sealed'])).code).toBe(1);
  });

  it('a header and no receipt, with --signatures: no signature was checked, so nothing is proven (exit 1), never "✓ signatures"', async () => {
    const header = readFileSync(join(OWN, 'exports/alpha-open.ndjson'), 'utf8').split('\n')[0]!;
    const empty = [file('open-header-only.ndjson', `${header}\n`), ...OPEN.slice(1), '--signatures'];
    const { code, out } = await run(auditCommand, empty);
    expect(code).toBe(1);
    expect(out).not.toContain('✓ signatures');
    expect(out).toContain('– signatures: skipped, the open period\'s export holds no receipt: there is no signature to check, and nothing is proven');
    expect(out.at(-1)).toBe('✗ open period, not proven: the export holds no receipt of it');
    const json = JSON.parse((await run(auditCommand, [...empty, '--json'])).out.join('\n'));
    expect(json).toMatchObject({ ok: false, status: 'open', count: 0, checks: { signatures: { status: 'skipped', ok: false } } });
  });

  it('without --signatures nothing of it is checked: it fails (exit 1), saying so', async () => {
    const { code, out } = await run(auditCommand, OPEN);
    expect(code).toBe(1);
    expect(out.at(-1)).toBe("✗ open period, not proven: 2 receipts of a period not sealed yet; only each receipt's signature can be checked, and --signatures was not given");
  });
});

describe('aegislog history', () => {
  it('passes both histories of the vectors, each entry on a line', async () => {
    const full = await run(historyCommand, [at('histories/history-full-2of2.json'), ...POLICY_2OF2, ...NOW]);
    expect(full.code).toBe(0);
    expect(full.out.slice(0, 6)).toEqual(['✓ history', '✓ origin', '✓ signatures', '✓ sizes', '✓ consistency', expect.stringMatching(/^✓ witnesses: the newest checkpoint is cosigned by w1, w2$/)]);
    expect(full.out.filter((l) => / consistent with #\d+$/.test(l)).length).toBeGreaterThan(1);
    expect(full.out.at(-1)).toMatch(/^✓ history verified: \d+ checkpoints of evidence\.acme\.example\/log, sizes \d+ to \d+$/);
    const range = await run(historyCommand, [at('histories/history-range.json'), ...POLICY_NONE, ...NOW]);
    expect(range.code).toBe(0);
  });

  it('a rewritten consistency proof fails (exit 1), and --json names every check', async () => {
    const history = JSON.parse(readFileSync(at('histories/history-full-2of2.json'), 'utf8'));
    history.checkpoints[1].consistency_b64url.reverse();
    history.checkpoints[1].consistency_b64url.push(history.checkpoints[1].consistency_b64url[0]);
    const { code, out } = await run(historyCommand, [file('bad-history.json', JSON.stringify(history)), ...POLICY_2OF2, ...NOW, '--json']);
    expect(code).toBe(1);
    const json = JSON.parse(out.join('\n'));
    expect(json.checks.consistency).toMatchObject({ status: 'failed' });
    expect(json.entries[1].consistency).toMatchObject({ status: 'failed' });
  });

  it('garbage is a usage error, not a failed check', async () => {
    const { code, err } = await run(historyCommand, [file('garbage.json', '{"v":2,'), ...POLICY_NONE]);
    expect(code).toBe(2);
    expect(err[0]).toMatch(/^aegislog history: \S+garbage\.json is not valid JSON/);
  });

  it('a file of another kind (a bundle, a version-1 checkpoints file) is unusable input (exit 2), as audit says of a bundle: not a broken log', async () => {
    for (const [name, content, why] of [
      ['bundle.json', readFileSync(at('bundles/acme-bank-p0-leaf0.json'), 'utf8'), 'history.checkpoints is missing or empty'],
      ['v1-checkpoints.json', JSON.stringify({ checkpoints: [] }), 'history.v is missing, not 2'],
    ] as const) {
      const { code, out, err } = await run(historyCommand, [file(name, content), ...POLICY_NONE, ...NOW]);
      expect(code, name).toBe(2);
      expect(out).toEqual([]);
      expect(err).toEqual([expect.stringMatching(new RegExp(`^aegislog history: \\S+${name.replace('.', '\\.')} is not a version-2 checkpoint history \\(${why.replace('.', '\\.')}\\)$`))]);
    }
  });
});
