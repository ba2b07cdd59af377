// The auditor page (demo/auditor/) and the CLI (`aegislog verify`, `audit`, `history`) given the same
// input give the same verdict: text is trimmed of JSON's whitespace only, an NDJSON file with a line
// that is not JSON is refused whole, a version-1 export of several tenants is audited tenant by tenant,
// and the loss panel reads a long line in linear time. Only the page's own files are served.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { makeSignedLog, ndjson } from '../test/cli/signed-log.js';
import { open, pin, read, test } from './support/auditor-page.js';
import { ROOT } from './support/static-server.js';

async function drop(page: Page, files: { name: string; buffer: Buffer }[]): Promise<void> {
  await page.locator('#files').setInputFiles(files.map(({ name, buffer }) => ({ name, mimeType: 'application/octet-stream', buffer })));
}

test('text is trimmed of JSON whitespace only, and one BOM, as `aegislog verify` trims it', async ({ page, app }) => {
  // `aegislog verify` refuses both files (exit 2, not valid JSON): String.prototype.trim dropped the no-break space
  // and the second BOM, and the page verified the bundle.
  const bundle = read('bundles/alpha-leaf0.json').trim();
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  await drop(page, [
    { name: 'nbsp.json', buffer: Buffer.from(`${bundle}\u00a0\n`) },
    { name: 'two-boms.json', buffer: Buffer.concat([bom, bom, Buffer.from(bundle)]) },
    { name: 'one-bom.json', buffer: Buffer.concat([bom, Buffer.from(`\r\n\t ${bundle} \r\n`)]) },
  ]);
  const status = page.locator('#load-status');
  await expect(status).toContainText('one-bom.json: 1 item added');
  await expect(status.locator('[data-failed]', { hasText: 'nbsp.json' })).toContainText('nbsp.json: not JSON');
  await expect(status.locator('[data-failed]', { hasText: 'two-boms.json' })).toContainText('two-boms.json: not JSON');
  await expect(page.locator('#summary')).toContainText('1 bundle:');
  // Pasted: the same.
  await page.locator('#evidence-text').fill(`\u00a0${bundle}`);
  await page.locator('#evidence-add').click();
  await expect(status.locator('[data-failed]')).toContainText('pasted text: not JSON');
  await expect(page.locator('#summary')).toContainText('1 bundle:');
});

test('an NDJSON file with a line that is not JSON is not loaded, as `aegislog verify` and `audit` refuse it', async ({ page, app }) => {
  // The page skipped the line and verified the others ("2 verified"); `aegislog verify` exits 2 naming line 2.
  const line = (path: string) => JSON.stringify(JSON.parse(read(path)));
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  await drop(page, [
    { name: 'lines.ndjson', buffer: Buffer.from(`${line('bundles/alpha-leaf0.json')}\nnot json\n${line('bundles/alpha-leaf255.json')}\n`) },
    { name: 'good.ndjson', buffer: Buffer.from(`${line('bundles/alpha-leaf0.json')}\n`) },
  ]);
  const status = page.locator('#load-status');
  await expect(status).toContainText('good.ndjson: 1 item added');
  await expect(status.locator('[data-failed]', { hasText: 'lines.ndjson' })).toContainText('lines.ndjson line 2: not JSON');
  await expect(page.locator('#summary')).toContainText('1 bundle:');

  // A version-1 export with a line cut short: `aegislog audit --export` fails it; the page audited the rest.
  const V1 = join(ROOT, 'test/vectors/aegislog-v1');
  const bundle = readFileSync(join(V1, 'bundles/007.json'), 'utf8');
  const receipt = JSON.stringify((JSON.parse(bundle) as { receipt: unknown }).receipt);
  await page.locator('#key-text').fill(readFileSync(join(V1, 'key.pem'), 'utf8'));
  await page.getByRole('button', { name: 'Pin key' }).click();
  await drop(page, [{ name: '007.json', buffer: Buffer.from(bundle) }, { name: 'export.ndjson', buffer: Buffer.from(`${receipt}\n${receipt.slice(0, 40)}\n`) }]);
  await expect(status.locator('[data-failed]', { hasText: 'export.ndjson' })).toContainText('export.ndjson line 2: not JSON');
  await expect(page.locator('#period-run')).toBeDisabled();
});

test('an NDJSON file with a member name twice in one line is not loaded, as `aegislog verify` refuses it', async ({ page, app }) => {
  // The page listed the line as skipped and verified the other one; `aegislog verify` exits 2 naming line 2.
  const line = (path: string) => JSON.stringify(JSON.parse(read(path)));
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  await drop(page, [{ name: 'dup.ndjson', buffer: Buffer.from(`${line('bundles/alpha-leaf0.json')}\n${line('bundles/alpha-leaf255.json').replace('{', '{"v":2,')}\n`) }]);
  const status = page.locator('#load-status');
  await expect(status.locator('[data-failed]')).toContainText('dup.ndjson line 2: $ has the member "v" twice');
  await expect(page.locator('#summary')).toContainText('No evidence bundles loaded.');
});

test('the loss panel reads a long line in time linear in its length', async ({ page, app }) => {
  // Every string split on line ends is counted: the panel joined the unfinished line with each chunk and split it
  // again, so a line of n chunks was read about n²/2 chunks' worth (8 MiB in 64 KiB chunks: over 500 MiB, where
  // the file is 8.3 MiB).
  await page.addInitScript(() => {
    const w = window as unknown as { splitChars: number };
    w.splitChars = 0;
    const split = String.prototype.split;
    String.prototype.split = function (this: string, ...args: unknown[]) {
      if (args[0] === '\n') w.splitChars += this.length;
      return (split as (...a: unknown[]) => string[]).apply(this, args);
    } as typeof String.prototype.split;
    // The file handed over in 64 KiB chunks, as Chromium reads one from disk.
    const stream = File.prototype.stream;
    File.prototype.stream = function (this: File) {
      const reader = stream.call(this).getReader();
      let held: Uint8Array | undefined;
      return new ReadableStream<Uint8Array<ArrayBuffer>>({
        async pull(controller) {
          if (!held?.length) {
            const { done, value } = await reader.read();
            if (done) return controller.close();
            held = value;
          }
          controller.enqueue(held.slice(0, 1 << 16));
          held = held.subarray(1 << 16);
        },
      });
    };
  });
  await open(page, app.url);
  const good = Buffer.from(read('exports/alpha-p1-events.ndjson'));
  const file = Buffer.concat([good, Buffer.alloc(8 * 2 ** 20, 0x20), Buffer.from('\n')]);
  await page.locator('#gaps-files').setInputFiles([{ name: 'long.ndjson', mimeType: 'application/x-ndjson', buffer: file }]);
  await expect(page.locator('#gaps-summary')).toContainText('events in 1 export');
  const chars = await page.evaluate(() => (window as unknown as { splitChars: number }).splitChars);
  expect(chars).toBeGreaterThan(file.length / 2);
  expect(chars).toBeLessThan(3 * file.length);
});

test('a version-1 export of two tenants, each with its sealed bundle, is audited whole, as `aegislog audit --export` does', async ({ page, app }) => {
  // The page audited the first tenant it found a head for and said "Not every receipt audited" of the other's
  // receipts, though the other's head was loaded too; `aegislog audit --export … --head … --head …` passes.
  const log = await makeSignedLog([{ start: Date.UTC(2026, 10, 26), end: Date.UTC(2026, 10, 27), tenants: { acme: 3, beta: 2 } }]);
  const period = log.periods[0]!;
  const receipts = [...period.receipts.get('acme')!, ...period.receipts.get('beta')!];
  await open(page, app.url);
  await page.locator('#key-text').fill(log.key.publicPem);
  await page.getByRole('button', { name: 'Pin key' }).click();
  await expect(page.locator('#key-list')).toContainText('pasted by you');
  await drop(page, [
    { name: 'acme.json', buffer: Buffer.from(JSON.stringify(log.bundle(0, 'acme', 1))) },
    { name: 'beta.json', buffer: Buffer.from(JSON.stringify(log.bundle(0, 'beta', 0))) },
    { name: 'export.ndjson', buffer: Buffer.from(ndjson(receipts)) },
  ]);
  await expect(page.locator('#load-status')).toContainText('export.ndjson: 5 items added');
  await page.getByRole('button', { name: 'Audit period' }).click();
  const result = page.locator('#period-result');
  await expect(result.locator('p').first()).toContainText('verified');
  await expect(result).not.toContainText('Not every receipt audited');
  await expect(result.locator('p').first().locator('.pill-ok')).toBeVisible();
  await expect(result.locator('section', { hasText: 'acme' })).toContainText('Period verified');
  await expect(result.locator('section', { hasText: 'beta' })).toContainText('Period verified');

  // One tenant's receipt taken out: that tenant's period fails, the other's still passes, and the whole does not.
  await page.getByRole('button', { name: 'Clear evidence' }).click();
  await drop(page, [
    { name: 'acme.json', buffer: Buffer.from(JSON.stringify(log.bundle(0, 'acme', 1))) },
    { name: 'beta.json', buffer: Buffer.from(JSON.stringify(log.bundle(0, 'beta', 0))) },
    { name: 'export.ndjson', buffer: Buffer.from(ndjson(receipts.slice(1))) },
  ]);
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(result.locator('p').first().locator('.pill-fail')).toBeVisible();
  await expect(result.locator('section', { hasText: 'acme' })).toContainText('Period audit failed');
  await expect(result.locator('section', { hasText: 'beta' })).toContainText('Period verified');
});

test('a version-1 export that gives a receipt twice is not a verified period, as `aegislog audit --export` fails it', async ({ page, app }) => {
  // The second copy was taken for the same evidence loaded again and left out ("1 already loaded"): the one left
  // rebuilt the signed root, "Period verified", where the CLI says the receipt "appears twice" (exit 1).
  const V1 = join(ROOT, 'test/vectors/aegislog-v1');
  const bundle = readFileSync(join(V1, 'bundles/007.json'), 'utf8');
  const receipt = JSON.stringify((JSON.parse(bundle) as { receipt: unknown }).receipt);
  await open(page, app.url);
  await page.locator('#key-text').fill(readFileSync(join(V1, 'key.pem'), 'utf8'));
  await page.getByRole('button', { name: 'Pin key' }).click();
  await expect(page.locator('#key-list')).toContainText('pasted by you');
  await drop(page, [{ name: '007.json', buffer: Buffer.from(bundle) }, { name: 'export.ndjson', buffer: Buffer.from(`${receipt}\n${receipt}\n`) }]);
  await expect(page.locator('#period-run')).toBeEnabled();
  await page.getByRole('button', { name: 'Audit period' }).click();
  const result = page.locator('#period-result');
  await expect(result.locator('p').first()).toContainText('Period audit failed');
  await expect(result).toContainText('appears twice');
  await expect(page.locator('#load-status')).toContainText('export.ndjson: 2 items added');
  // The same receipt is no conflict between files: the copies are one text.
  await expect(page.locator('#conflicts')).toBeEmpty();
  // A file loaded again is still loaded once.
  await drop(page, [{ name: 'again.ndjson', buffer: Buffer.from(`${receipt}\n${receipt}\n`) }]);
  await expect(page.locator('#load-status')).toContainText('again.ndjson: 0 items added, 2 already loaded');
});

test('a file with a value that is no evidence is not loaded, as `aegislog verify` fails it', async ({ page, app }) => {
  // A line of bundles replaced by another object, or an array entry by null: the page listed it as skipped and
  // verified the others ("2 verified"); `aegislog verify` fails that value (exit 1, "2 passed, 1 failed").
  const line = (path: string) => JSON.stringify(JSON.parse(read(path)));
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  await drop(page, [
    { name: 'other.ndjson', buffer: Buffer.from(`${line('bundles/alpha-leaf0.json')}\n{"note":"removed"}\n${line('bundles/alpha-leaf255.json')}\n`) },
    { name: 'array.json', buffer: Buffer.from(`[${line('bundles/alpha-leaf0.json')},null,${line('bundles/alpha-leaf255.json')}]`) },
  ]);
  const status = page.locator('#load-status');
  await expect(status).toContainText('array.json: 0 items added');
  await expect(page.locator('#summary')).toContainText('No evidence bundles loaded.');
  await expect(status.locator('[data-failed]', { hasText: 'array.json' })).toContainText('array.json [1]: not an object');
  await expect(status.locator('[data-failed]', { hasText: 'other.ndjson' })).toContainText('other.ndjson line 2: not an evidence bundle');
});
