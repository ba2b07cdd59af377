// The auditor page (demo/auditor/), served from the reference server's own
// origin at /demo/auditor/ as `aegislog dev` serves it, fed with real
// version-2 evidence of that server (e2e/support/evidence.ts).
import type { Page, Request } from '@playwright/test';
import { b64uEncode } from '../src/protocol/index.js';
import { makeEvidence, redate, type EvidenceSet } from './support/evidence.js';
import { expect, screenshots, test } from './support/fixtures.js';

const json = (value: unknown) => Buffer.from(JSON.stringify(value, null, 2));

/** Requests the page makes from now on (including its service worker's). */
function watchRequests(page: Page): Request[] {
  const seen: Request[] = [];
  page.context().on('request', (request) => seen.push(request));
  return seen;
}

async function openAuditor(page: Page, base: string, hash = ''): Promise<void> {
  await page.goto(`${base}/demo/auditor/${hash}`);
  await expect(page.locator('#net-status')).toContainText('Online');
  // Loading ends once the service worker has cached the page's files for offline use.
  await page.evaluate(async () => void (await navigator.serviceWorker.ready));
}

async function pinPem(page: Page, pem: string): Promise<void> {
  await page.getByLabel('Public key: SPKI PEM, JWK or JWKS').fill(pem);
  await page.getByRole('button', { name: 'Pin key' }).click();
  await expect(page.locator('#key-list')).toContainText('pasted by you');
}

async function pinPolicy(page: Page, policy: string): Promise<void> {
  await page.getByLabel('Public key: SPKI PEM, JWK or JWKS').fill(policy);
  await page.getByRole('button', { name: 'Pin key' }).click();
  await expect(page.locator('#key-list [data-policy]')).toContainText('quorum none');
}

async function loadFiles(page: Page, evidence: EvidenceSet): Promise<void> {
  await page.locator('#files').setInputFiles([
    { name: 'bundles.json', mimeType: 'application/json', buffer: json(evidence.bundles) },
    { name: 'checkpoints.json', mimeType: 'application/json', buffer: json(evidence.history) },
    { name: 'period.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(evidence.exportNdjson) },
  ]);
}

test('verifies sealed bundles, shows flags and the history, audits a period, and sends nothing', async ({ page, stack }) => {
  const evidence = await makeEvidence(stack.api);
  await openAuditor(page, stack.api.url);
  const requests = watchRequests(page);

  await pinPolicy(page, evidence.policy);
  await loadFiles(page, evidence);

  const count = evidence.bundles.length;
  await expect(page.locator('#summary')).toContainText(`${count} bundles:`);
  await expect(page.locator('#summary')).toContainText(`${count} verified`);
  const cards = page.locator('#bundles article');
  await expect(cards).toHaveCount(count);
  for (const check of ['digest', 'receipt_signature', 'inclusion', 'period', 'head_inclusion', 'checkpoint_signature']) {
    await expect(cards.first().locator(`[data-check="${check}"] .pill-ok`)).toBeVisible();
  }
  await expect(cards.first().locator('[data-witnesses="skipped"]')).toContainText('No witness required');
  // Flags from the event (PROTOCOL.md §7): the first event is not flagged, the third one was reviewed by a human.
  const flags = cards.nth(2).getByRole('list', { name: 'Compliance flags' });
  for (const flag of ['Art. 12', 'Art. 14', 'Time Machine Defense', 'Full traceability', 'Non-repudiation', 'Immutable record']) {
    await expect(flags.locator('.pill-ok', { hasText: flag })).toHaveCount(1);
  }

  const checkpoints = evidence.history.checkpoints.length;
  await expect(page.locator('#chain li[data-checkpoint]')).toHaveCount(checkpoints);
  await expect(page.locator('#chain-summary')).toContainText(`${checkpoints} checkpoints of e2e.aegislog.test/log`);
  await expect(page.locator('#chain li[data-consistency] .pill-ok')).toHaveCount(checkpoints - 1);

  const lines = evidence.exportNdjson.trim().split('\n').length - 1;
  await expect(page.locator('#period-inputs')).toContainText(`A version-2 export: tenant ${stack.api.tenantId}`);
  await expect(page.locator('#period-inputs')).toContainText(`${lines} entries`);
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(page.locator('#period-result')).toContainText('Period verified');
  await expect(page.locator('#period-result [data-check="events"] .pill-ok')).toBeVisible();
  await expect(page.locator('#period-progress')).toHaveJSProperty('value', 1);

  expect(requests.map((r) => r.url()), 'nothing leaves the page after load').toEqual([]);
  await screenshots(page, 'auditor-verified');
});

test('tampered evidence fails and names the check; a rewritten history fails its consistency', async ({ page, stack }) => {
  const evidence = await makeEvidence(stack.api, 3);
  const [good, other] = evidence.bundles as [EvidenceSet['bundles'][number], EvidenceSet['bundles'][number]];
  const editedEvent = structuredClone(good);
  editedEvent.event.event_type = 'model_inference_edited';
  const movedLeaf = structuredClone(other);
  movedLeaf.leaf_index = (movedLeaf.leaf_index + 1) % movedLeaf.tenant_head!.tree_size;
  const history = structuredClone(evidence.history);
  const last = history.checkpoints.at(-1)!;
  last.consistency_b64url = [b64uEncode(new Uint8Array(32)), ...(last.consistency_b64url ?? []).slice(1)];

  await openAuditor(page, stack.api.url);
  await pinPem(page, evidence.pem);
  await page.getByLabel('Or paste JSON or NDJSON').fill([editedEvent, movedLeaf].map((b) => JSON.stringify(b)).join('\n'));
  await page.getByRole('button', { name: 'Add pasted evidence' }).click();
  await page.getByLabel('Or paste JSON or NDJSON').fill(JSON.stringify(history));
  await page.getByRole('button', { name: 'Add pasted evidence' }).click();

  await expect(page.locator('#summary')).toContainText('2 failed');
  const first = page.locator('#bundles article').nth(0);
  await expect(first.locator('[data-check="digest"] .pill-fail')).toBeVisible();
  await expect(first.locator('[data-reason="digest"]')).toContainText('SHA-256 of the event');
  await expect(first.locator('[data-check="receipt_signature"] .pill-ok')).toBeVisible();
  // The receipt is genuine, but not for this event: no non-repudiation, no immutable record.
  const firstFlags = first.getByRole('list', { name: 'Compliance flags' });
  await expect(firstFlags.locator('.pill-fail', { hasText: 'Non-repudiation' })).toHaveCount(1);
  await expect(firstFlags.locator('.pill-fail', { hasText: 'Immutable record' })).toHaveCount(1);
  const second = page.locator('#bundles article').nth(1);
  await expect(second.locator('[data-check="inclusion"] .pill-fail')).toBeVisible();
  await expect(second.locator('[data-check="digest"] .pill-ok')).toBeVisible();
  await expect(page.locator('#chain-summary')).toContainText('history fails: consistency');
  await expect(page.locator('#chain li.link.is-fail')).toHaveCount(1);

  // The period export with one receipt re-dated: its signature and the root both fail.
  const [header, line, ...rest] = evidence.exportNdjson.trim().split('\n');
  const redated = JSON.parse(line!) as { received_at: string };
  redated.received_at = redate(redated.received_at);
  await page.getByLabel('Or paste JSON or NDJSON').fill([header, JSON.stringify(redated), ...rest].join('\n'));
  await page.getByRole('button', { name: 'Add pasted evidence' }).click();
  await page.getByLabel("Also verify each receipt's own signature").check();
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(page.locator('#period-result')).toContainText('Period audit failed');
  await expect(page.locator('#period-result [data-check="root"] .pill-fail')).toBeVisible();
  await expect(page.locator('#period-result [data-check="signatures"] .pill-fail')).toBeVisible();
  await screenshots(page, 'auditor-tampered');
});

test('a JWKS fetched from the evidence server is flagged, and is the only request', async ({ page, stack }) => {
  const evidence = await makeEvidence(stack.api, 2);
  const { event, receipt, origin, leaf_index } = evidence.bundles[0]!;
  const pending = { v: 2, status: 'pending', origin, event, receipt, leaf_index };
  const link = `#bundle=${b64uEncode(new TextEncoder().encode(JSON.stringify(pending)))}&from=${encodeURIComponent(stack.api.url)}`;
  await openAuditor(page, stack.api.url, link);
  const requests = watchRequests(page);
  await expect(page.locator('#load-status')).toContainText('the link: 1 item added');
  await expect(page.locator('#bundles article header')).toContainText('No key pinned');

  await page.getByText('Load a JWKS from a URL instead').click();
  await page.getByLabel('JWKS URL').fill(evidence.jwksUrl);
  await page.getByRole('button', { name: 'Fetch JWKS' }).click();
  await expect(page.locator('#key-message')).toContainText('the server that produced the evidence');
  await expect(page.locator('#key-list .pill-warn')).toContainText('from the evidence server');
  // Pending evidence: signed, not yet sealed, and the page says so.
  await expect(page.locator('#bundles article')).toContainText('Signed, not yet sealed');
  await expect(page.locator('#bundles [data-check="inclusion"] .pill-info')).toBeVisible();
  await expect(page.locator('#bundles [data-reason~="inclusion"]')).toContainText('its period is not sealed yet');
  expect(requests.map((r) => r.url())).toEqual([evidence.jwksUrl]);
});

test('works offline once loaded', async ({ page, stack }) => {
  const evidence = await makeEvidence(stack.api, 2);
  await openAuditor(page, stack.api.url);
  // The first load is not controlled by the worker yet; a reload is.
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

  await page.context().setOffline(true);
  await stack.api.down();
  await page.reload();
  await expect(page.locator('#net-status')).toContainText('Offline');
  await pinPem(page, evidence.pem);
  await page.getByLabel('Or paste JSON or NDJSON').fill(JSON.stringify(evidence.bundles));
  await page.getByRole('button', { name: 'Add pasted evidence' }).click();
  await expect(page.locator('#summary')).toContainText(`${evidence.bundles.length} verified`);
  await page.context().setOffline(false);
});

test('is keyboard accessible: labelled controls, focus order, live regions', async ({ page, stack }) => {
  const evidence = await makeEvidence(stack.api, 1);
  await openAuditor(page, stack.api.url);
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, textarea, button, select, progress')]
      .filter((el) => {
        const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent?.trim());
        return !labelled;
      })
      .map((el) => el.id || el.outerHTML.slice(0, 60)),
  );
  expect(unlabelled).toEqual([]);
  // Results are announced: every region the page rewrites is a live region.
  for (const id of ['key-list', 'load-status', 'summary', 'chain-summary', 'period-result']) {
    await expect(page.locator(`#${id}`)).toHaveAttribute('aria-live', 'polite');
  }
  await expect(page.locator('#key-message')).toHaveAttribute('role', 'alert');

  // Everything by keyboard: the first Tab reaches the skip link, which jumps to the key field.
  await page.keyboard.press('Tab');
  await expect(page.locator('.skip')).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(page.locator('#key-text')).toBeFocused();
  await page.keyboard.insertText(evidence.pem);
  await page.keyboard.press('Tab');
  await expect(page.locator('#key-pin')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#key-list')).toContainText('pasted by you');
  const order: string[] = [];
  for (let i = 0; i < 7; i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || ''));
  }
  // Remove all, the JWKS disclosure, the pinned key's Remove button, then step 2.
  expect(order).toEqual(['key-clear', 'SUMMARY', 'BUTTON', 'files', 'evidence-text', 'evidence-add', 'evidence-clear']);
  await page.locator('#evidence-text').focus();
  await page.keyboard.insertText(JSON.stringify(evidence.bundles[0]));
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.locator('#summary')).toContainText('1 verified');
});
