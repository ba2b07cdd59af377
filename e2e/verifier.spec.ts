// Scenario 7: the verifier's browser file (dist/browser/aegislog-verify.js) in
// the page, on evidence sealed by the reference server (POST /admin/seal) and
// fetched with a read key; then the same evidence tampered with, part by part.
import type { Page } from '@playwright/test';
import type { EvidenceBundleV1 } from '../src/protocol/index.js';
import { b64uEncode } from '../src/protocol/index.js';
import { makeEvidence, redate } from './support/evidence.js';
import { expect, test } from './support/fixtures.js';

declare global {
  interface Window {
    verifier: typeof import('../src/verify/index.js');
  }
}

/** Runs verifyEvidence in the page; returns ok, status and the names of the failed checks. */
function verifyInPage(page: Page, bundle: unknown, pem: string, checkpoints: unknown[]) {
  return page.evaluate(
    async ({ bundle, pem, checkpoints }) => {
      const { importPublicKey, verifyEvidence } = window.verifier;
      const report = await verifyEvidence(bundle, { keys: await importPublicKey(pem), checkpoints });
      const failed = Object.entries(report.checks).filter(([, c]) => !c.ok).map(([name]) => name);
      return { ok: report.ok, status: report.status, checks: Object.keys(report.checks), failed };
    },
    { bundle, pem, checkpoints },
  );
}

const tamperings: [string, (b: EvidenceBundleV1) => void, string][] = [
  ['an edited event', (b) => void (b.event.prompt_chars = 43), 'digest'],
  ['a re-dated receipt', (b) => void (b.receipt.received_at = redate(b.receipt.received_at)), 'receipt_signature'],
  ['a swapped inclusion path', (b) => void b.inclusion!.path_b64url.reverse(), 'inclusion'],
  ['a rewritten tenant head', (b) => void (b.tenant_head!.tree_size += 1), 'tenant_inclusion'],
  ['a forged checkpoint root', (b) => void (b.checkpoint!.root_b64url = b64uEncode(new Uint8Array(32))), 'checkpoint_signature'],
];

test('7. the verifier in the page: sealed evidence from the server verifies; tampered evidence fails, naming the check', async ({ page, stack }) => {
  const evidence = await makeEvidence(stack.api, 4);
  await page.goto(`${stack.app.url}/e2e/pages/verify.html`);
  await page.waitForFunction(() => window.verifier !== undefined);

  for (const bundle of evidence.bundles) {
    const report = await verifyInPage(page, bundle, evidence.pem, evidence.checkpoints);
    expect(report).toEqual({
      ok: true,
      status: 'sealed',
      checks: ['digest', 'receipt_signature', 'inclusion', 'tenant_inclusion', 'checkpoint_signature', 'period', 'chain'],
      failed: [],
    });
  }
  for (const [what, tamper, check] of tamperings) {
    const bundle = structuredClone(evidence.bundles[1]!);
    tamper(bundle);
    const report = await verifyInPage(page, bundle, evidence.pem, evidence.checkpoints);
    expect(report.ok, what).toBe(false);
    expect(report.failed, what).toContain(check);
  }
});
