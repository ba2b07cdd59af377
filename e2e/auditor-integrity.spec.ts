// The auditor page (demo/auditor/) when evidence is odd: two different files that claim one
// identity, results that outlive their inputs, malformed entries, and the loss panel's
// refusals, which must match `aegislog audit --gaps`. Only the page's own files are served.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { open, pin, read, test } from './support/auditor-page.js';
import { ROOT } from './support/static-server.js';

const V1 = join(ROOT, 'test/vectors/aegislog-v1');

/** `timeout`: for files of megabytes, which reach the page through the browser's protocol (slow on a loaded machine). */
async function drop(page: Page, files: { name: string; text: string }[], timeout?: number): Promise<void> {
  await page.locator('#files').setInputFiles(files.map(({ name, text }) => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(text) })), { timeout });
}

test('two different files claiming one identity are both kept and flagged; an identical copy loads once', async ({ page, app }) => {
  await open(page, app.url);
  await pin(page, read('policy-2of3.txt'));
  const genuine = read('bundles/alpha-leaf0.json');
  const edited = JSON.parse(genuine);
  edited.event.event_type = 'edited_after_the_fact';
  const history = read('histories/history.json');
  const forked = JSON.parse(history);
  forked.checkpoints[2].consistency_b64url[0] = 'A'.repeat(43);
  const exported = read('exports/alpha-p1-events.ndjson');
  const [header, ...lines] = exported.trim().split('\n');
  await drop(page, [
    { name: 'edited.json', text: JSON.stringify(edited) },
    { name: 'alpha-leaf0.json', text: genuine },
    { name: 'forked.json', text: JSON.stringify(forked) },
    { name: 'history.json', text: history },
    { name: 'gap.ndjson', text: [header, ...lines.slice(0, 10), ...lines.slice(11)].join('\n') },
    { name: 'alpha-p1.ndjson', text: exported },
  ]);
  await expect(page.locator('#load-status')).toContainText('alpha-p1.ndjson: 1 item added');
  await expect(page.locator('#summary')).toContainText('2 bundles:');
  await expect(page.locator('#summary')).toContainText('1 failed');
  const conflicts = page.locator('#conflicts li');
  await expect(conflicts).toHaveCount(3);
  for (const [k, files] of [[0, 'edited.json, alpha-leaf0.json'], [1, 'forked.json, history.json'], [2, 'gap.ndjson, alpha-p1.ndjson']] as const) {
    await expect(conflicts.nth(k)).toContainText(files);
  }
  await expect(page.locator('#period-inputs')).toContainText('2 exports loaded');

  // The very same bytes again are one file loaded twice, not a conflict.
  await drop(page, [{ name: 'again.json', text: genuine }]);
  await expect(page.locator('#load-status')).toContainText('again.json: 0 items added, 1 already loaded');
  await expect(page.locator('#bundles article')).toHaveCount(2);
  await expect(conflicts).toHaveCount(3);
});

test('the six version-1 vectors are six bundles: high_s.json is not 000.json', async ({ page, app }) => {
  await open(page, app.url);
  const names = ['000', '006', '007', '008', '030', 'high_s'];
  await drop(page, names.map((n) => ({ name: `${n}.json`, text: readFileSync(join(V1, `bundles/${n}.json`), 'utf8') })));
  await expect(page.locator('#summary')).toContainText('6 bundles:');
  await expect(page.locator('#conflicts li')).toContainText('000.json, high_s.json');
});

test('a period result lasts only as long as its export and keys: a new export, removed keys or cleared evidence wipe it', async ({ page, app }) => {
  await open(page, app.url);
  const result = page.locator('#period-result');
  const progress = page.locator('#period-progress');
  const audit = async () => {
    await page.getByRole('button', { name: 'Audit period' }).click();
    await expect(result).toContainText('Period verified');
    await expect(progress).toHaveJSProperty('value', 1);
  };
  const wiped = async () => {
    await expect(result).toBeEmpty();
    await expect(progress).toHaveJSProperty('value', 0);
  };
  await pin(page, read('policy-none.txt'));
  await drop(page, [{ name: 'alpha-p0.ndjson', text: read('exports/alpha-p0.ndjson') }]);
  await audit();
  await drop(page, [{ name: 'beta-p0.ndjson', text: read('exports/beta-p0.ndjson') }]);
  await expect(page.locator('#period-inputs')).toContainText('tenant beta');
  await wiped();
  await audit();
  await page.getByRole('button', { name: 'Remove all keys' }).click();
  await wiped();
  await pin(page, read('policy-none.txt'));
  await audit();
  // An unrelated bundle changes neither the export nor the keys: the result stays.
  await drop(page, [{ name: 'alpha-leaf0.json', text: read('bundles/alpha-leaf0.json') }]);
  await expect(page.locator('#summary')).toContainText('1 bundle:');
  await expect(result).toContainText('Period verified');
  await page.getByRole('button', { name: 'Clear evidence' }).click();
  await wiped();
});

test('every export loaded is audited, each with its own result, and one bad period fails the whole', async ({ page, app }) => {
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  const exported = read('exports/alpha-p1-events.ndjson');
  const [header, ...lines] = exported.trim().split('\n');
  await drop(page, [
    { name: 'alpha-p0.ndjson', text: read('exports/alpha-p0.ndjson') },
    { name: 'beta-p0.ndjson', text: read('exports/beta-p0.ndjson') },
  ]);
  await expect(page.locator('#period-inputs li')).toHaveCount(2);
  await page.getByRole('button', { name: 'Audit period' }).click();
  const result = page.locator('#period-result');
  await expect(result).toContainText('All periods verified');
  await expect(result.locator('section[data-export]')).toHaveCount(2);
  await expect(result.locator('section[data-export="0"]')).toContainText("of alpha's log");
  await expect(result.locator('section[data-export="1"]')).toContainText("of beta's log");
  await expect(page.locator('#period-progress')).toHaveJSProperty('value', 1);

  // A third export with one line taken out: it fails, the other two still pass.
  await drop(page, [{ name: 'gap.ndjson', text: [header, ...lines.slice(0, 10), ...lines.slice(11)].join('\n') }]);
  await expect(result).toBeEmpty();
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(result).toContainText('1 of 3 periods not verified');
  await expect(result.locator('section[data-export="2"]')).toContainText('Period audit failed');
  await expect(result.locator('section[data-export="0"]')).toContainText('Period verified');
  await expect(result.locator('section[data-export="1"]')).toContainText('Period verified');
});

test('an audit whose export is replaced while it runs does not write its result', async ({ page, app }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  await drop(page, [{ name: 'alpha-p1.ndjson', text: read('exports/alpha-p1-events.ndjson') }]);
  await expect(page.locator('#period-run')).toBeEnabled();
  await page.locator('#evidence-text').fill(read('exports/beta-p0.ndjson'));
  // Both clicks in one task: the other export arrives while the first audit runs.
  await page.evaluate(() => ['period-run', 'evidence-add'].forEach((id) => document.getElementById(id)!.click()));
  await expect(page.locator('#period-inputs')).toContainText('tenant beta');
  await expect(page.locator('#period-run')).toBeEnabled();
  await expect(page.locator('#period-result')).toBeEmpty();
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(page.locator('#period-result')).toContainText("of beta's log");
  expect(errors).toEqual([]);
});

test('a malformed history entry or v1 checkpoint is drawn as such, and the rest of the page still updates', async ({ page, app }) => {
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  await drop(page, [{ name: 'bad-history.json', text: JSON.stringify({ v: 2, origin: 'own.aegislog.test/log', checkpoints: [null] }) }]);
  // What `aegislog history` says of it: "#0 size ?: not signed".
  await expect(page.locator('#chain-summary')).toContainText('history fails');
  await expect(page.locator('#chain li[data-checkpoint="0"]')).toContainText(/#0 · size \?.*not signed/s);
  await drop(page, [{ name: 'alpha-p0.ndjson', text: read('exports/alpha-p0.ndjson') }, { name: 'b.json', text: read('bundles/alpha-leaf0.json') }]);
  await expect(page.locator('#summary')).toContainText('1 bundle:');
  await expect(page.locator('#period-inputs')).toContainText('tenant alpha');

  await page.getByRole('button', { name: 'Clear evidence' }).click();
  await drop(page, [{ name: 'cp.json', text: JSON.stringify({ checkpoints: [{ log_id: 'x', prev_b64url: null, period_start: 5 }] }) }]);
  await expect(page.locator('#chain li')).toHaveCount(1);
  await expect(page.locator('#chain li')).toContainText('5 UTC');
  await drop(page, [{ name: 'beta-p0.ndjson', text: read('exports/beta-p0.ndjson') }]);
  await expect(page.locator('#period-inputs')).toContainText('tenant beta');
});

test('the loss panel refuses what `aegislog audit --gaps` refuses: an empty file, one export given twice', async ({ page, app }) => {
  await open(page, app.url);
  const choose = (files: { name: string; text: string }[]) =>
    page.locator('#gaps-files').setInputFiles(files.map(({ name, text }) => ({ name, mimeType: 'application/x-ndjson', buffer: Buffer.from(text) })));
  const summary = page.locator('#gaps-summary');
  const events = read('exports/alpha-p1-events.ndjson');
  await choose([{ name: 'empty.ndjson', text: '' }]);
  await expect(summary).toContainText('empty.ndjson is empty: an export has a header line, then one line per receipt');
  await expect(summary.locator('.pill-fail')).toHaveCount(1);
  await expect(page.locator('#gaps-result')).toBeEmpty();
  await choose([{ name: 'a.ndjson', text: events }]);
  await expect(summary).toContainText('events in 1 export');
  await choose([{ name: 'a.ndjson', text: events }, { name: 'b.ndjson', text: events }]);
  await expect(summary).toContainText('b.ndjson and a.ndjson overlap (own.aegislog.test/log alpha: entry');
  await expect(page.locator('#gaps-result')).toBeEmpty();
});

test("an open period's progress follows the bytes read, not a jump to 100%", async ({ page, app }) => {
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  const [header, receipt] = read('exports/alpha-open.ndjson').trim().split('\n');
  // 20,000 lines: more than one progress report (every 16,384 lines); what they prove does not matter here.
  await drop(page, [{ name: 'open.ndjson', text: [header, ...Array<string>(20_000).fill(receipt!)].join('\n') }], 50_000);
  await expect(page.locator('#period-inputs')).toContainText('the open period');
  await page.evaluate(() => {
    const seen: number[] = ((window as unknown as { seen: number[] }).seen = []);
    const bar = document.getElementById('period-progress') as HTMLProgressElement;
    new MutationObserver(() => seen.push(bar.value)).observe(bar, { attributes: true, attributeFilter: ['value'] });
  });
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(page.locator('#period-result')).toContainText(/Open period|Period audit failed/);
  const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
  expect(seen.some((v) => v > 0 && v < 1), `progress values: ${seen.join(' ')}`).toBe(true);
});

test('an export with a blank line or a BOM before its header is known from its first MiB, not read whole', async ({ page, app }) => {
  await page.addInitScript(() => {
    const text = Blob.prototype.text;
    const w = window as unknown as { largest: number };
    w.largest = 0;
    Blob.prototype.text = function (this: Blob) {
      w.largest = Math.max(w.largest, this.size);
      return text.call(this);
    };
  });
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  const [header, receipt] = read('exports/alpha-p0.ndjson').trim().split('\n');
  await drop(page, [{ name: 'big.ndjson', text: ['', header, ...Array<string>(6_000).fill(receipt!)].join('\n') }], 50_000);
  await expect(page.locator('#period-inputs')).toContainText('A version-2 export: tenant alpha');
  expect(await page.evaluate(() => (window as unknown as { largest: number }).largest)).toBeLessThanOrEqual(2 ** 20);
  // Small ones still audit: the blank line and the BOM are not part of the export.
  for (const lead of ['\n', '\uFEFF']) {
    await drop(page, [{ name: 'lead.ndjson', text: lead + read('exports/alpha-p0.ndjson') }]);
    await page.getByRole('button', { name: 'Audit period' }).click();
    await expect(page.locator('#period-result')).toContainText('Period verified');
  }
});
