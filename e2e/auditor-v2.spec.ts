// The auditor page (demo/auditor/) on version-2 evidence: this project's own vectors
// (test/vectors/aegislog-v2-own, signed with real keys, cosigned by two witnesses of three)
// under their tlog-policy or the pinned receipt key alone: every check of a bundle, the
// witnesses, an export audited from the dropped file with a progress bar, the checkpoint
// history with the consistency of each pair; tampered copies fail, naming the check.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { ROOT } from './support/static-server.js';
import { expect, screenshots, test } from './support/fixtures.js';

const OWN = join(ROOT, 'test/vectors/aegislog-v2-own');
const read = (path: string) => readFileSync(join(OWN, path), 'utf8');
const V1 = join(ROOT, 'test/vectors/aegislog-v1');
const V2_CHECKS = ['digest', 'receipt_signature', 'inclusion', 'period', 'head_inclusion', 'checkpoint_signature'];

async function open(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/demo/auditor/`);
  await expect(page.locator('#net-status')).toContainText('Online');
  await page.evaluate(async () => void (await navigator.serviceWorker.ready));
}

async function pin(page: Page, text: string, listed: RegExp): Promise<void> {
  await page.getByLabel('Public key: SPKI PEM, JWK or JWKS, or a tlog-policy').fill(text);
  await page.getByRole('button', { name: 'Pin key' }).click();
  await expect(page.locator('#key-list')).toContainText(listed);
}

async function drop(page: Page, files: { name: string; text: string }[]): Promise<void> {
  await page.locator('#files').setInputFiles(files.map(({ name, text }) => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(text) })));
}

const bundles = ['alpha-leaf0', 'alpha-leaf255', 'alpha-leaf256', 'beta-leaf0-own-checkpoint', 'beta-leaf3-consistency'].map((n) => ({ name: `${n}.json`, text: read(`bundles/${n}.json`) }));

test('v2 under a 2-of-3 policy: every check of each bundle, who cosigned, the history and an export, and nothing is sent', async ({ page, stack }) => {
  await open(page, stack.app.url);
  const requests: string[] = [];
  page.context().on('request', (r) => requests.push(r.url()));
  await pin(page, read('policy-2of3.txt'), /2 log keys of own\.aegislog\.test\/log; witnesses w1, w2, w3; quorum/);
  await drop(page, [...bundles, { name: 'history.json', text: read('histories/history.json') }, { name: 'alpha-p1.ndjson', text: read('exports/alpha-p1-events.ndjson') }]);

  await expect(page.locator('#summary')).toContainText(`${bundles.length} verified`);
  const cards = page.locator('#bundles article');
  await expect(cards).toHaveCount(bundles.length);
  for (const check of [...V2_CHECKS, 'witnesses']) await expect(cards.first().locator(`[data-check="${check}"] .pill-ok`)).toBeVisible();
  await expect(cards.first().locator('[data-check="consistency"] .pill-info')).toBeVisible();
  await expect(cards.first().locator('[data-witnesses="passed"]')).toContainText(/Cosigned by w1 \(.+\), w2 \(.+\); quorum .+ met/);

  // The history: every checkpoint signed, each pair consistent.
  const entries = JSON.parse(read('histories/history.json')).checkpoints.length as number;
  await expect(page.locator('#chain-summary')).toContainText(`${entries} checkpoints of own.aegislog.test/log`);
  await expect(page.locator('#chain li[data-checkpoint] .pill-ok')).toHaveCount(entries);
  await expect(page.locator('#chain li[data-consistency] .pill-ok')).toHaveCount(entries - 1);

  // The export, streamed from the dropped file.
  await expect(page.locator('#period-inputs')).toContainText('A version-2 export: tenant alpha');
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(page.locator('#period-result')).toContainText('Period verified');
  await expect(page.locator('#period-progress')).toHaveJSProperty('value', 1);
  for (const check of ['header', 'checkpoint_signature', 'witnesses', 'head_inclusion', 'prev_head_inclusion', 'frontier', 'entries', 'root', 'events']) {
    await expect(page.locator(`#period-result [data-check="${check}"] .pill-ok`)).toBeVisible();
  }
  expect(requests, 'nothing leaves the page after load').toEqual([]);
  await screenshots(page, 'auditor-v2-verified');
});

test('v2 with the receipt key alone: no witness required, and the page says so', async ({ page, stack }) => {
  await open(page, stack.app.url);
  await pin(page, read('keys/receipt-ecdsa.pub.pem'), /pasted by you/);
  await drop(page, bundles.slice(0, 2));
  await expect(page.locator('#summary')).toContainText('2 verified');
  await expect(page.locator('#bundles article').first().locator('[data-witnesses="skipped"]')).toContainText('No witness required: no policy');
});

test('tampered v2 evidence fails, naming the check: an edited event, a forked history, a missing export line', async ({ page, stack }) => {
  await open(page, stack.app.url);
  await pin(page, read('policy-2of3.txt'), /quorum/);
  const edited = JSON.parse(bundles[0]!.text);
  edited.event.event_type = 'edited_after_the_fact';
  const history = JSON.parse(read('histories/history.json'));
  history.checkpoints[2].consistency_b64url[0] = 'A'.repeat(43); // 32 zero bytes: not the subtree the proof needs
  const [header, ...lines] = read('exports/alpha-p1-events.ndjson').trim().split('\n');
  await drop(page, [
    { name: 'edited.json', text: JSON.stringify(edited) },
    { name: 'forked.json', text: JSON.stringify(history) },
    { name: 'gap.ndjson', text: [header, ...lines.slice(0, 10), ...lines.slice(11)].join('\n') },
  ]);
  await expect(page.locator('#summary')).toContainText('1 failed');
  const card = page.locator('#bundles article').first();
  await expect(card.locator('[data-check="digest"] .pill-fail')).toBeVisible();
  await expect(card.locator('[data-reason="digest"]')).toContainText('SHA-256 of the event');
  await expect(page.locator('#chain-summary')).toContainText('history fails: consistency');
  await expect(page.locator('#chain li[data-consistency="2"] .pill-fail')).toBeVisible();
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(page.locator('#period-result')).toContainText('Period audit failed');
  await expect(page.locator('#period-result [data-check="entries"] .pill-fail')).toBeVisible();
  await expect(page.locator('#period-result [aria-label="Problems"]')).toContainText('leaf_index 14');
  await screenshots(page, 'auditor-v2-tampered');
});

test('version-1 files keep working beside version 2', async ({ page, stack }) => {
  await open(page, stack.app.url);
  await pin(page, readFileSync(join(V1, 'key.pem'), 'utf8'), /pasted by you/);
  await drop(page, [{ name: '000.json', text: readFileSync(join(V1, 'bundles/000.json'), 'utf8') }]);
  await expect(page.locator('#summary')).toContainText('1 verified');
  for (const check of ['digest', 'receipt_signature', 'inclusion', 'tenant_inclusion', 'checkpoint_signature', 'period']) {
    await expect(page.locator(`#bundles article [data-check="${check}"] .pill-ok`)).toBeVisible();
  }
});
