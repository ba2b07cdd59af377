// The aegislog-v2 vectors of an independent implementation (test/vectors/aegislog-v2/README.md):
// every bundle, export and history is valid under the policy its manifest names, so every
// check that is not skipped must pass; with the wrong policy, they must not.
import { describe, expect, it } from 'vitest';
import manifest from '../vectors/aegislog-v2/manifest.json';
import receiptPem from '../vectors/aegislog-v2/keys/receipt-ecdsa.pub.pem?raw';
import { auditExport, importPublicKey, verifyEvidence, verifyHistory, type Check, type KeyInput } from '../../src/verify/index.js';

const texts = import.meta.glob<string>('../vectors/aegislog-v2/**/*.{json,ndjson,txt}', { eager: true, query: '?raw', import: 'default' });
const file = (path: string): string => texts[`../vectors/aegislog-v2/${path}`]!;
const files = manifest.files as Record<string, { policy: string; verdict: string }>;
/** The vectors' cosignatures are stamped up to 2026-12-06: "now" is after them, as an auditor's would be. */
const now = Date.parse('2026-12-31T00:00:00.000Z');

function verify(path: string, trust: { policy?: string; keys?: KeyInput }) {
  const text = file(path);
  if (path.startsWith('bundles/')) return verifyEvidence(JSON.parse(text), { ...trust, now });
  if (path.startsWith('exports/')) return auditExport(text, { ...trust, now, verifySignatures: true });
  return verifyHistory(JSON.parse(text), { ...trust, now });
}

const notSkipped = (checks: Record<string, Check | undefined>) =>
  Object.fromEntries(Object.entries(checks).filter(([, c]) => c!.status !== 'skipped'));

describe('aegislog-v2 vectors', () => {
  it('the manifest lists 9 bundles, 3 exports and 2 histories, every one valid', () => {
    const paths = Object.keys(files);
    expect(paths.filter((p) => p.startsWith('bundles/'))).toHaveLength(9);
    expect(paths.filter((p) => p.startsWith('exports/'))).toHaveLength(3);
    expect(paths.filter((p) => p.startsWith('histories/'))).toHaveLength(2);
    expect(new Set(Object.values(files).map((f) => f.verdict))).toEqual(new Set(['valid']));
  });

  for (const [path, { policy }] of Object.entries(files)) {
    it(`${path} passes every check that is not skipped under ${policy}`, async () => {
      const report = await verify(path, { policy: file(policy) });
      const passed = notSkipped(report.checks);
      expect(Object.keys(passed).length).toBeGreaterThan(3);
      for (const [name, check] of Object.entries(passed)) expect(check, `${path}: ${name}`).toEqual({ status: 'passed', ok: true });
      expect(report.ok, path).toBe(true);
      // Skipped checks say why, and only those that need what this file does not carry may be skipped.
      for (const [name, check] of Object.entries(report.checks)) {
        if (check!.status === 'skipped') {
          expect(check!.reason, name).toEqual(expect.any(String));
          expect(['witnesses', 'consistency', 'prev_head_inclusion', 'events'], `${path}: ${name} skipped`).toContain(name);
        }
      }
    });
  }

  it('a note with one cosignature meets a 1-of-2 quorum and fails a 2-of-2 one; with none, both fail', async () => {
    const bundle = JSON.parse(file('bundles/note-both-w1-w2.json'));
    const withLines = (keep: (line: string) => boolean) => ({ ...bundle, checkpoint: bundle.checkpoint.split(/(?<=\n)/).filter(keep).join('') });
    const oneCosigned = withLines((line: string) => !line.startsWith('— witness.beta.example/w2 '));
    const uncosigned = withLines((line: string) => !line.startsWith('— witness.'));
    expect((await verifyEvidence(oneCosigned, { policy: file('policy-1of2.txt'), now })).ok).toBe(true);
    const both = await verifyEvidence(oneCosigned, { policy: file('policy-2of2.txt'), now });
    expect(both.checks.witnesses).toMatchObject({ status: 'failed', reason: expect.stringMatching(/quorum/) });
    expect(both.checks.checkpoint_signature).toMatchObject({ status: 'passed' });
    expect(both.ok).toBe(false);
    expect((await verifyEvidence(uncosigned, { policy: file('policy-1of2.txt'), now })).checks.witnesses).toMatchObject({ status: 'failed' });
    // policy-none asks for no witness: the same note passes without cosignatures.
    expect((await verifyEvidence(uncosigned, { policy: file('policy-none.txt'), now })).ok).toBe(true);
  });

  it('with the receipt key pinned alone (quorum none), every bundle with an ECDSA note signature verifies; the Ed25519-only note does not', async () => {
    const keys = await importPublicKey(receiptPem);
    for (const path of Object.keys(files).filter((p) => p.startsWith('bundles/'))) {
      const report = await verifyEvidence(JSON.parse(file(path)), { keys, now });
      expect(report.checks.witnesses, path).toMatchObject({ status: 'skipped' });
      if (path.includes('ed25519-only')) {
        expect(report.checks.checkpoint_signature, path).toMatchObject({ status: 'failed' });
        expect(report.ok).toBe(false);
      } else {
        expect(report.ok, `${path}: ${JSON.stringify(report.checks)}`).toBe(true);
      }
    }
  });

  it('a cosignature stamped after "now" (beyond the skew) fails witnesses: the vectors were cosigned on 2026-12-06', async () => {
    const report = await verifyEvidence(JSON.parse(file('bundles/note-both-w1-w2.json')), { policy: file('policy-2of2.txt'), now: Date.parse('2026-12-01T00:00:00.000Z') });
    expect(report.checks.witnesses).toMatchObject({ status: 'failed', reason: expect.stringMatching(/future/) });
  });

  it('bundles report their checkpoint and the witnesses that cosigned it', async () => {
    const report = await verifyEvidence(JSON.parse(file('bundles/note-both-w1-w2.json')), { policy: file('policy-2of2.txt'), now });
    expect(report.checkpoint).toMatchObject({ origin: 'evidence.acme.example/log', size: expect.any(Number) });
    expect(report.cosigners!.map((c) => c.witness).sort()).toEqual(['w1', 'w2']);
    expect(report.quorum).toEqual(expect.any(String));
  });

  it('exports: the audit reports the period and its entries', async () => {
    const report = await auditExport(file('exports/beta.health-p4.ndjson'), { policy: file('policy-none.txt'), now });
    expect(report).toMatchObject({ ok: true, status: 'sealed', tenantId: 'beta.health', prevTreeSize: 3, treeSize: 8, count: 5, problemCount: 0 });
    const first = await auditExport(file('exports/acme-bank-p0.ndjson'), { policy: file('policy-none.txt'), now });
    expect(first).toMatchObject({ ok: true, prevTreeSize: 0, treeSize: 1, count: 1 });
    expect(first.checks.prev_head_inclusion).toMatchObject({ status: 'skipped' });
  });

  it('histories: every entry signed and consistent with the one before', async () => {
    const report = await verifyHistory(JSON.parse(file('histories/history-full-2of2.json')), { policy: file('policy-2of2.txt'), now });
    expect(report.ok).toBe(true);
    expect(report.entries.length).toBeGreaterThan(2);
    for (const entry of report.entries.slice(1)) expect(entry.consistency.status).toBe('passed');
    expect(report.entries[0]!.consistency.status).toBe('skipped');
  });
});
