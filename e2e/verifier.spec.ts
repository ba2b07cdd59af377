// Scenario 7: the verifier's browser file (dist/browser/aegislog-verify.js) in
// the page, on version-2 evidence sealed by the reference server (POST /admin/seal)
// and fetched with a read key, under the log's policy and under the pinned receipt
// key; then the same evidence tampered with, part by part; then its export and history.
import type { Page } from '@playwright/test';
import type { EvidenceBundle } from '../src/protocol/index.js';
import { makeEvidence, redate } from './support/evidence.js';
import { expect, test } from './support/fixtures.js';

declare global {
  interface Window {
    verifier: typeof import('../src/verify/index.js');
  }
}

/** Runs verifyEvidence in the page; returns ok, status and the names of the checks by state. */
function verifyInPage(page: Page, bundle: unknown, trust: { policy?: string; pem?: string }) {
  return page.evaluate(
    async ({ bundle, trust }) => {
      const { importPublicKey, verifyEvidence } = window.verifier;
      const options = { ...(trust.policy ? { policy: trust.policy } : {}), ...(trust.pem ? { keys: await importPublicKey(trust.pem) } : {}) };
      const report = await verifyEvidence(bundle, options);
      const named = (status: string) => Object.entries(report.checks).filter(([, c]) => c!.status === status).map(([name]) => name);
      return { ok: report.ok, version: report.version, status: report.status, passed: named('passed'), failed: named('failed'), skipped: named('skipped') };
    },
    { bundle, trust },
  );
}

const tamperings: [string, (b: EvidenceBundle) => void, string][] = [
  ['an edited event', (b) => void (b.event.prompt_chars = 43), 'digest'],
  ['a re-dated receipt', (b) => void (b.receipt.received_at = redate(b.receipt.received_at)), 'receipt_signature'],
  ['another leaf index', (b) => void (b.leaf_index += 1), 'inclusion'],
  ['a swapped inclusion path', (b) => void b.inclusion!.path_b64url.reverse(), 'inclusion'],
  ['a rewritten tenant head', (b) => void (b.tenant_head!.tree_size += 1), 'head_inclusion'],
  ['a forged checkpoint root', (b) => void (b.checkpoint = b.checkpoint!.replace(/\n[A-Za-z0-9+/]{43}=\n/, `\n${btoa(String.fromCharCode(...new Uint8Array(32)))}\n`)), 'checkpoint_signature'],
  ['another origin', (b) => void (b.origin = 'elsewhere.example/log'), 'checkpoint_signature'],
];

test('7. the verifier in the page: sealed v2 evidence from the server verifies; tampered evidence fails, naming the check', async ({ page, stack }) => {
  const evidence = await makeEvidence(stack.api, 4);
  await page.goto(`${stack.app.url}/e2e/pages/verify.html`);
  await page.waitForFunction(() => window.verifier !== undefined);

  for (const bundle of evidence.bundles) {
    for (const trust of [{ policy: evidence.policy }, { pem: evidence.pem }]) {
      const report = await verifyInPage(page, bundle, trust);
      expect(report).toEqual({
        ok: true, version: 2, status: 'sealed',
        passed: ['digest', 'receipt_signature', 'inclusion', 'period', 'head_inclusion', 'checkpoint_signature'],
        failed: [],
        skipped: ['witnesses', 'consistency'],
      });
    }
  }
  for (const [what, tamper, check] of tamperings) {
    const bundle = structuredClone(evidence.bundles[1]!);
    tamper(bundle);
    const report = await verifyInPage(page, bundle, { policy: evidence.policy });
    expect(report.ok, what).toBe(false);
    expect(report.failed, what).toContain(check);
  }
});

test('7b. the export and the history of the server verify in the page; a line dropped or a fork does not', async ({ page, stack }) => {
  const evidence = await makeEvidence(stack.api, 5);
  await page.goto(`${stack.app.url}/e2e/pages/verify.html`);
  await page.waitForFunction(() => window.verifier !== undefined);
  const result = await page.evaluate(
    async ({ exportNdjson, history, policy }) => {
      const { auditExport, verifyHistory } = window.verifier;
      const [header, ...lines] = exportNdjson.trim().split('\n');
      const audit = await auditExport(new Blob([exportNdjson]), { policy, verifySignatures: true });
      const dropped = await auditExport([header, ...lines.slice(1)].join('\n'), { policy });
      const forked = structuredClone(history);
      forked.checkpoints.push({ ...forked.checkpoints.at(-1)!, note: forked.checkpoints[0]!.note, consistency_b64url: [] });
      return {
        audit: { ok: audit.ok, count: audit.count, entries: audit.checks.entries.status, events: audit.checks.events.status },
        dropped: { ok: dropped.ok, entries: dropped.checks.entries.status, root: dropped.checks.root.status },
        history: (await verifyHistory(history, { policy })).ok,
        forked: (await verifyHistory(forked, { policy })).ok,
      };
    },
    { exportNdjson: evidence.exportNdjson, history: evidence.history, policy: evidence.policy },
  );
  expect(result).toEqual({
    audit: { ok: true, count: 5, entries: 'passed', events: 'passed' },
    dropped: { ok: false, entries: 'failed', root: 'failed' },
    history: true,
    forked: false,
  });
});
