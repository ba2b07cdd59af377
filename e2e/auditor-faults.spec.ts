// The auditor page (demo/auditor/) as a demanding auditor uses it: nothing reads as proven
// that was not (an open period's export, a failing history loaded beside a passing one), every
// result names the file it is for, a result never outlives the option it was computed under, a
// late count never overwrites a newer one, and a file that cannot be read or parsed is named,
// with the files after it still loaded. Only the page's own files are served.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { open, pin, read, test } from './support/auditor-page.js';
import { ROOT } from './support/static-server.js';

/** Serves `body` at `url` once the test calls `release`; `requested` settles when the page asks for it. */
async function heldJwks(page: Page, url: string, body: string): Promise<{ requested: Promise<void>; release: () => void }> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let asked!: () => void;
  const requested = new Promise<void>((resolve) => (asked = resolve));
  await page.route(url, async (route) => {
    asked();
    await held;
    await route.fulfill({ contentType: 'application/json', body });
  });
  return { requested, release };
}

async function drop(page: Page, files: { name: string; text: string }[]): Promise<void> {
  await page.locator('#files').setInputFiles(files.map(({ name, text }) => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(text) })));
}

/** alpha's period-1 export with the line of leaf_index 14 taken out. */
function withLineMissing(): string {
  const [header, ...lines] = read('exports/alpha-p1-events.ndjson').trim().split('\n');
  return [header, ...lines.slice(0, 10), ...lines.slice(11)].join('\n');
}

test("an open period's export whose receipts are all signed is not a verified period, alone or among sealed ones", async ({ page, app }) => {
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  await drop(page, [{ name: 'open.ndjson', text: read('exports/alpha-open.ndjson') }]);
  await page.getByLabel("Also verify each receipt's own signature").check();
  await page.getByRole('button', { name: 'Audit period' }).click();
  const result = page.locator('#period-result');
  await expect(result.locator('[data-check="signatures"] .pill-ok')).toBeVisible();
  // No signed head: nothing says that none is missing or added. Amber, never "Period verified".
  await expect(result.locator('p').first()).toContainText('Open period: not proven');
  await expect(result.locator('.pill-ok', { hasText: 'Period verified' })).toHaveCount(0);
  await expect(result).not.toContainText('rebuild the signed head');
  await expect(result.locator('[data-check="root"] .pill-info')).toContainText('skipped');

  await drop(page, [{ name: 'alpha-p0.ndjson', text: read('exports/alpha-p0.ndjson') }]);
  await expect(page.locator('#period-inputs li')).toHaveCount(2);
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(result).toContainText('1 of 2 periods not verified');
  await expect(result).not.toContainText('All periods verified');
  await expect(result.locator('section[data-export="1"]')).toContainText('Period verified');
});

test('a failing history loaded beside a passing one is shown, each named by its file', async ({ page, app }) => {
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  const forked = JSON.parse(read('histories/history.json'));
  forked.checkpoints[2].consistency_b64url[0] = 'A'.repeat(43);
  // Another size than history.json: another identity, so no conflict is flagged; only its own result tells.
  await drop(page, [{ name: 'forked.json', text: JSON.stringify(forked) }, { name: 'history-from-1.json', text: read('histories/history-from-1.json') }]);
  await expect(page.locator('#load-status')).toContainText('history-from-1.json: 1 item added');
  const summary = page.locator('#chain-summary');
  await expect(summary.locator('[data-history="0"]')).toContainText('forked.json: ');
  await expect(summary.locator('[data-history="0"] .pill-fail')).toContainText('history fails: consistency');
  await expect(summary.locator('[data-history="1"]')).toContainText('history-from-1.json: ');
  await expect(summary.locator('[data-history="1"] .pill-ok')).toContainText('signed and append-only');
  await expect(page.locator('#chain li.link.is-fail')).toHaveCount(1);
  await expect(page.locator('#chain li[data-history-source]')).toHaveCount(2);
});

test('two exports of one period: each result names its file, so the failing one is known', async ({ page, app }) => {
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  await drop(page, [
    { name: 'gap.ndjson', text: withLineMissing() },
    { name: 'alpha-p1.ndjson', text: read('exports/alpha-p1-events.ndjson') },
  ]);
  await expect(page.locator('#period-inputs li').nth(0)).toContainText('gap.ndjson');
  await expect(page.locator('#period-inputs li').nth(1)).toContainText('alpha-p1.ndjson');
  await page.getByRole('button', { name: 'Audit period' }).click();
  const result = page.locator('#period-result');
  await expect(result).toContainText('1 of 2 periods not verified');
  await expect(result.locator('section[data-export]', { hasText: 'Period audit failed' }).locator('h3')).toContainText('gap.ndjson');
  await expect(result.locator('section[data-export]', { hasText: 'Period verified' }).locator('h3')).toContainText('alpha-p1.ndjson');
});

test("ticking or unticking the signatures box voids a result computed the other way", async ({ page, app }) => {
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  await drop(page, [{ name: 'alpha-p0.ndjson', text: read('exports/alpha-p0.ndjson') }]);
  const result = page.locator('#period-result');
  const box = page.getByLabel("Also verify each receipt's own signature");
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(result).toContainText('Period verified');
  await expect(result.locator('[data-check="signatures"] .pill-info')).toContainText('skipped');
  await box.check();
  await expect(result).toBeEmpty();
  await expect(page.locator('#period-progress')).toHaveJSProperty('value', 0);
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(result.locator('[data-check="signatures"] .pill-ok')).toBeVisible();
  await box.uncheck();
  await expect(result).toBeEmpty();
});

test('a loss count superseded by a later choice never overwrites it', async ({ page, app }) => {
  // slow.ndjson is held back until the test releases it: its count is still going when the next choice is made.
  await page.addInitScript(() => {
    const w = window as unknown as { release: () => void; slowDone: boolean };
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    w.release = open;
    w.slowDone = false;
    const stream = File.prototype.stream;
    File.prototype.stream = function (this: File) {
      const inner = stream.call(this);
      if (this.name !== 'slow.ndjson') return inner;
      const reader = inner.getReader();
      return new ReadableStream<Uint8Array<ArrayBuffer>>({
        async pull(controller) {
          await gate;
          const { done, value } = await reader.read();
          if (done) {
            w.slowDone = true;
            controller.close();
          } else controller.enqueue(value);
        },
        cancel() {
          w.slowDone = true;
          return reader.cancel();
        },
      });
    };
  });
  await open(page, app.url);
  const choose = (name: string, text: string) => page.locator('#gaps-files').setInputFiles([{ name, mimeType: 'application/x-ndjson', buffer: Buffer.from(text) }]);
  const summary = page.locator('#gaps-summary');
  await choose('slow.ndjson', withLineMissing());
  await expect(summary).toContainText('Counting 1 export');
  await choose('empty.ndjson', '');
  await expect(summary).toContainText('empty.ndjson is empty');
  await page.evaluate(() => (window as unknown as { release: () => void }).release());
  await expect.poll(() => page.evaluate(() => (window as unknown as { slowDone: boolean }).slowDone)).toBe(true);
  // Still the later choice's refusal, not the earlier count.
  await expect(summary).toContainText('empty.ndjson is empty');
  await expect(summary).not.toContainText('events in 1 export');
  await expect(page.locator('#gaps-result')).toBeEmpty();
});

test('a file that cannot be read or parsed is named with why, and the files after it still load', async ({ page, app }) => {
  // moved.json / moved.ndjson: files deleted or moved after they were chosen, as Chromium reports them.
  await page.addInitScript(() => {
    const unreadable = () => new DOMException('The requested file could not be read, typically due to permission problems that have occurred after a reference to a file was acquired.', 'NotReadableError');
    const gone = (name: string) => name === 'moved.json' || name === 'moved.ndjson';
    const { slice, text, stream } = File.prototype;
    File.prototype.slice = function (this: File, ...args: [number?, number?, string?]) {
      if (!gone(this.name)) return slice.apply(this, args);
      const blob = new Blob([]);
      blob.text = () => Promise.reject(unreadable());
      return blob;
    };
    File.prototype.text = function (this: File) {
      return gone(this.name) ? Promise.reject(unreadable()) : text.call(this);
    };
    File.prototype.stream = function (this: File) {
      return gone(this.name) ? new ReadableStream({ pull: (controller) => controller.error(unreadable()) }) : stream.call(this);
    };
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  const broken = JSON.stringify(JSON.parse(read('bundles/alpha-leaf0.json')), null, 2).replace('"leaf_index"', '"leaf_index" "');
  await drop(page, [
    { name: 'moved.json', text: read('bundles/alpha-leaf255.json') },
    { name: 'broken.json', text: broken },
    { name: 'good.json', text: read('bundles/alpha-leaf0.json') },
  ]);
  const status = page.locator('#load-status');
  await expect(status).toContainText('good.json: 1 item added');
  // Each file of the drop keeps its line: the last one does not hide the first two's problems.
  await expect(status.locator('[data-failed]', { hasText: 'moved.json' })).toContainText('moved.json: could not be read: NotReadableError');
  // An indented JSON file with a syntax error is one problem saying where, not one "not JSON" per line.
  await expect(status.locator('[data-failed]', { hasText: 'broken.json' })).toContainText(/broken\.json: not JSON: .*position \d+/);
  await expect(page.locator('#summary')).toContainText('1 bundle:');
  await expect(page.locator('#summary')).toContainText('1 verified');
  // The loss panel names the file it could not read.
  await page.locator('#gaps-files').setInputFiles([{ name: 'moved.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(read('exports/alpha-p0.ndjson')) }]);
  await expect(page.locator('#gaps-summary')).toContainText('moved.ndjson could not be read');
  expect(pageErrors).toEqual([]);
});

/** alpha-p0's header and `count` copies of its first receipt: lines enough for progress reports (every 16,384 lines). */
function manyLines(count: number): string {
  const [header, receipt] = read('exports/alpha-p0.ndjson').trim().split('\n');
  return [header, ...Array<string>(count).fill(receipt!)].join('\n');
}

test('an export that cannot be read to its end: the bar stops where the reading failed, in red, and the failure is shown', async ({ page, app }) => {
  // changed.ndjson: a file changed on disk while it is audited, whose stream Chromium then fails (NotReadableError) half-way.
  await page.addInitScript(() => {
    const stream = File.prototype.stream;
    File.prototype.stream = function (this: File) {
      const inner = stream.call(this);
      if (this.name !== 'changed.ndjson') return inner;
      const reader = inner.getReader();
      const half = this.size / 2;
      let sent = 0;
      return new ReadableStream<Uint8Array<ArrayBuffer>>({
        async pull(controller) {
          if (sent >= half) {
            controller.error(new DOMException('The requested file could not be read, typically due to permission problems that have occurred after a reference to a file was acquired.', 'NotReadableError'));
            return;
          }
          const { done, value } = await reader.read();
          if (done) controller.close();
          else {
            sent += value.length;
            controller.enqueue(value);
          }
        },
      });
    };
  });
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  const progress = page.locator('#period-progress');
  const result = page.locator('#period-result');
  const changed = { name: 'changed.ndjson', text: manyLines(12_000) };

  // Among others: the exports after it are still audited, but the bar never reads 100%.
  await drop(page, [changed, { name: 'alpha-p0.ndjson', text: read('exports/alpha-p0.ndjson') }]);
  await expect(page.locator('#period-inputs li')).toHaveCount(2);
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(result).toContainText('1 of 2 periods not verified');
  await expect(result.locator('section[data-export="0"]')).toContainText('Audit failed The requested file could not be read');
  await expect(result.locator('section[data-export="1"]')).toContainText('Period verified');
  const among = await progress.evaluate((bar: HTMLProgressElement) => bar.value);
  expect(among).toBeGreaterThan(0.4);
  expect(among).toBeLessThan(1);
  await expect(progress).toHaveClass(/\bis-fail\b/);

  // Alone: the same, where the reading stopped (no progress report had come yet).
  await page.getByRole('button', { name: 'Clear evidence' }).click();
  await drop(page, [changed]);
  await expect(page.locator('#period-inputs')).toContainText('A version-2 export: tenant alpha');
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(result).toContainText('Audit failed The requested file could not be read');
  const alone = await progress.evaluate((bar: HTMLProgressElement) => bar.value);
  expect(alone).toBeGreaterThanOrEqual(0.5);
  expect(alone).toBeLessThan(1);
  await expect(progress).toHaveClass(/\bis-fail\b/);

  // An audit that reads its file to the end is no longer marked.
  await page.getByRole('button', { name: 'Clear evidence' }).click();
  await drop(page, [{ name: 'alpha-p0.ndjson', text: read('exports/alpha-p0.ndjson') }]);
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(result).toContainText('Period verified');
  await expect(progress).toHaveJSProperty('value', 1);
  await expect(progress).not.toHaveClass(/\bis-fail\b/);
});

test('an export with more lines than its head covers: the bar follows the bytes read, not 100% at the first report', async ({ page, app }) => {
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  // 20,000 lines where the head covers 3: the audit fails, and is not done when it has read 16,384 of them.
  await drop(page, [{ name: 'long.ndjson', text: manyLines(20_000) }]);
  await expect(page.locator('#period-inputs')).toContainText('A version-2 export: tenant alpha');
  await page.evaluate(() => {
    const seen: number[] = ((window as unknown as { seen: number[] }).seen = []);
    const bar = document.getElementById('period-progress') as HTMLProgressElement;
    new MutationObserver(() => seen.push(bar.value)).observe(bar, { attributes: true, attributeFilter: ['value'] });
  });
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(page.locator('#period-result')).toContainText('Period audit failed');
  const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
  expect(seen.some((v) => v > 0 && v < 1), `progress values: ${seen.join(' ')}`).toBe(true);
  // Read to its end: all of it was audited, and the verdict, not the bar, says it failed.
  await expect(page.locator('#period-progress')).toHaveJSProperty('value', 1);
});

test('a key removed while a JWKS holding it is on its way is not pinned again by it', async ({ page, app }) => {
  const jwks = read('keys/jwks.json');
  const kid = (JSON.parse(jwks) as { keys: { kid: string }[] }).keys[0]!.kid;
  const { requested, release } = await heldJwks(page, `${app.url}/held/keys.json`, jwks);
  await open(page, app.url);
  await page.locator('#key-text').fill(jwks);
  await page.getByRole('button', { name: 'Pin key' }).click();
  const remove = page.getByRole('button', { name: `Remove key ${kid}` });
  await expect(remove).toBeVisible();
  await page.getByText('Load a JWKS from a URL instead').click();
  await page.getByLabel('JWKS URL').fill(`${app.url}/held/keys.json`);
  await page.getByRole('button', { name: 'Fetch JWKS' }).click();
  await requested;
  await remove.click();
  await expect(page.locator('#key-list')).toContainText('No key pinned yet');
  release();
  await expect(page.locator('#key-message')).toContainText('removed while the JWKS was on its way');
  await expect(page.locator('#key-list')).toContainText('No key pinned yet');
});

test('a pasted key still being read when "Remove all keys" is pressed is not pinned, and the page says so', async ({ page, app }) => {
  // WebCrypto's import of the pasted key is held until the test releases it.
  await page.addInitScript(() => {
    const w = window as unknown as { hold?: Promise<void>; reached?: boolean };
    const importKey = crypto.subtle.importKey.bind(crypto.subtle) as (...args: unknown[]) => Promise<CryptoKey>;
    (crypto.subtle as unknown as { importKey: unknown }).importKey = async (...args: unknown[]) => {
      if (w.hold) {
        w.reached = true;
        await w.hold;
      }
      return importKey(...args);
    };
  });
  await open(page, app.url);
  await page.evaluate(() => {
    const w = window as unknown as { hold?: Promise<void>; release?: () => void };
    w.hold = new Promise<void>((resolve) => (w.release = resolve));
  });
  await page.locator('#key-text').fill(read('keys/jwks.json'));
  await page.getByRole('button', { name: 'Pin key' }).click();
  await page.waitForFunction(() => (window as unknown as { reached?: boolean }).reached === true);
  await page.getByRole('button', { name: 'Remove all keys' }).click();
  await page.evaluate(() => (window as unknown as { release: () => void }).release());
  await expect(page.locator('#key-message')).toContainText('still being read when all keys were removed: it was not pinned');
  await expect(page.locator('#key-list')).toContainText('No key pinned yet');
});

test('a JWKS that arrives after "Remove all keys" is not pinned', async ({ page, app }) => {
  // The JWKS is held until the test releases it: the auditor removes every key while it is on its way.
  const { requested, release } = await heldJwks(page, `${app.url}/held/keys.json`, read('keys/jwks.json'));
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  await page.getByText('Load a JWKS from a URL instead').click();
  await page.getByLabel('JWKS URL').fill(`${app.url}/held/keys.json`);
  await page.getByRole('button', { name: 'Fetch JWKS' }).click();
  await requested;
  await page.getByRole('button', { name: 'Remove all keys' }).click();
  const list = page.locator('#key-list');
  await expect(list).toContainText('No key pinned yet');
  await expect(page.locator('#key-message')).toBeEmpty();
  release();
  // The fetch has ended once the page says something about it.
  await expect(page.locator('#key-message')).not.toBeEmpty();
  await expect(list).toContainText('No key pinned yet');
  await expect(page.locator('#key-message')).toContainText('arrived after all keys were removed: its keys were not pinned');
  // Nothing is checked under a key the auditor removed.
  await drop(page, [{ name: 'alpha-leaf0.json', text: read('bundles/alpha-leaf0.json') }]);
  await expect(page.locator('#summary')).toContainText('1 bundle:');
  await expect(page.locator('#summary')).not.toContainText('verified');
});

test('the loss panel counts every refused line, beyond the first ones the report lists', async ({ page, app }) => {
  // An export fetched without events=true (the usual slip): each of its 300 receipt lines is refused. The gap
  // report lists the first 100 and counts them all (refusedCount); the panel showed the length of that list.
  const lines = read('exports/alpha-p1-events.ndjson').split('\n').filter(Boolean);
  const stripped = [lines[0], ...lines.slice(1).map((line) => {
    const { event: _event, ...receipt } = JSON.parse(line) as Record<string, unknown>;
    return JSON.stringify(receipt);
  })].join('\n');
  await open(page, app.url);
  await page.locator('#gaps-files').setInputFiles([{ name: 'no-events.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(`${stripped}\n`) }]);
  await expect(page.locator('#gaps-result')).toContainText(`${lines.length - 1} lines refused`);
});

test('a file that is not UTF-8 is refused, naming its line and byte offset, as `aegislog history` refuses it; a BOM is accepted', async ({ page, app }) => {
  await open(page, app.url);
  await pin(page, read('policy-none.txt'));
  // sealed_at is covered by no signature: its é saved as Latin-1 (one byte 0xE9) read back as U+FFFD under "signed and append-only".
  const history = JSON.stringify(JSON.parse(read('histories/history.json')));
  const marked = Buffer.from(history.replace('"sealed_at":"', '"sealed_at":"\u00e9'));
  const offset = marked.indexOf(Buffer.from([0xc3, 0xa9]));
  const latin = Buffer.concat([marked.subarray(0, offset), Buffer.from([0xe9]), marked.subarray(offset + 2)]);
  await page.locator('#files').setInputFiles([
    { name: 'history-latin1.json', mimeType: 'application/json', buffer: latin },
    { name: 'history-bom.json', mimeType: 'application/json', buffer: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(read('histories/history-from-1.json'))]) },
  ]);
  const status = page.locator('#load-status');
  await expect(status).toContainText('history-bom.json: 1 item added');
  await expect(status.locator('[data-failed]', { hasText: 'history-latin1.json' })).toContainText(
    `history-latin1.json is not UTF-8: an invalid byte sequence at line 1, byte offset ${offset}`,
  );
  await expect(page.locator('#chain-summary .pill-ok')).toHaveCount(1);
  await expect(page.locator('#chain')).not.toContainText('\uFFFD');
});

test('a policy whose key verifies nothing is refused when pinned, as `aegislog verify --policy` refuses it', async ({ page, app }) => {
  const spki = Buffer.from(`3059301306072a8648ce3d020106082a8648ce3d03010703420004${'11'.repeat(64)}`, 'hex');
  const id = createHash('sha256').update(spki).digest().subarray(0, 4).toString('hex');
  await open(page, app.url);
  await page.locator('#key-text').fill(`log evidence.acme.example/log+${id}+${Buffer.concat([Buffer.from([2]), spki]).toString('base64')}\nquorum none\n`);
  await page.getByRole('button', { name: 'Pin key' }).click();
  await expect(page.locator('#key-message')).toContainText('Not a tlog-policy.');
  await expect(page.locator('#key-message')).toContainText('the public key is not a point on P-256');
  await expect(page.locator('#key-list [data-policy]')).toHaveCount(0);
  // Nothing pinned: the evidence waits for a key; it is not drawn as evidence that could not be checked.
  await drop(page, [{ name: 'alpha-leaf0.json', text: read('bundles/alpha-leaf0.json') }]);
  await expect(page.locator('#summary')).toContainText('1 awaiting a key');
});

test('the loss panel refuses an export that is not UTF-8, naming its line and byte offset, as `aegislog audit --gaps` does', async ({ page, app }) => {
  // Saved as Windows-1252: the em dash of the header's checkpoint note is one byte 0x97. The header's note is
  // not read by the count: decoded with U+FFFD, the export was counted as if it were the file signed.
  const good = Buffer.from(read('exports/alpha-p1-events.ndjson'));
  const offset = good.indexOf(Buffer.from('\u2014'));
  const cp1252 = Buffer.concat([good.subarray(0, offset), Buffer.from([0x97]), good.subarray(offset + 3)]);
  await open(page, app.url);
  const choose = (name: string, buffer: Buffer) => page.locator('#gaps-files').setInputFiles([{ name, mimeType: 'application/x-ndjson', buffer }]);
  await choose('cp1252.ndjson', cp1252);
  await expect(page.locator('#gaps-summary')).toContainText(`cp1252.ndjson is not UTF-8: an invalid byte sequence at line 1, byte offset ${offset}`);
  await expect(page.locator('#gaps-result')).toBeEmpty();
  // A byte sequence cut at the end of the file is not UTF-8 either; a byte order mark at the start is.
  await choose('cut.ndjson', Buffer.concat([good, Buffer.from([0xe2, 0x80])]));
  await expect(page.locator('#gaps-summary')).toContainText(`cut.ndjson is not UTF-8: an invalid byte sequence at line ${good.toString().split('\n').length}, byte offset ${good.length}`);
  await choose('bom.ndjson', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), good]));
  await expect(page.locator('#gaps-summary')).toContainText('events in 1 export');
});

test('the loss panel refuses a line longer than 16 MiB as soon as it is that long, as `aegislog audit --gaps` does', async ({ page, app }) => {
  // 17 MiB of blanks with no newline: the panel held the whole line in memory (a file of a GiB filled the tab),
  // then read it as a blank line and counted the export where the CLI refuses it (exit 2).
  const good = Buffer.from(read('exports/alpha-p1-events.ndjson'));
  // Given as a file on disk, which Chromium reads itself (kept until the page has read it): 17 MiB sent as a
  // buffer crosses the protocol as base64, and took longer than the action's bound on a loaded machine.
  const dir = mkdtempSync(join(tmpdir(), 'aegislog-long-line-'));
  try {
    const file = join(dir, 'long.ndjson');
    writeFileSync(file, Buffer.concat([good, Buffer.alloc(17 * 2 ** 20, 0x20), Buffer.from('\n')]));
    await open(page, app.url);
    await page.locator('#gaps-files').setInputFiles(file);
    await expect(page.locator('#gaps-summary')).toContainText(`long.ndjson line ${good.toString().split('\n').length} is longer than 16 MiB: no line of an export is`);
    await expect(page.locator('#gaps-result')).toBeEmpty();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a JWKS that gives a member name twice is refused when fetched, as when pasted and as `aegislog verify --key URL` refuses it', async ({ page, app }) => {
  // Two values of "x": JSON.parse keeps the last, another reader the first; the fetched JWKS was pinned.
  const jwks = read('keys/jwks.json').replace('"x":', `"x": "${'A'.repeat(43)}",\n   "x":`);
  await page.route(`${app.url}/dup/keys.json`, (route) => route.fulfill({ contentType: 'application/json', body: jwks }));
  await open(page, app.url);
  await page.locator('#key-text').fill(jwks);
  await page.getByRole('button', { name: 'Pin key' }).click();
  await expect(page.locator('#key-message')).toContainText('has the member "x" twice');
  await page.getByText('Load a JWKS from a URL instead').click();
  await page.getByLabel('JWKS URL').fill(`${app.url}/dup/keys.json`);
  await page.getByRole('button', { name: 'Fetch JWKS' }).click();
  await expect(page.locator('#key-message')).toContainText('Could not load the JWKS.');
  await expect(page.locator('#key-message')).toContainText('has the member "x" twice');
  await expect(page.locator('#key-list')).toContainText('No key pinned yet');
});

test('a fetched JWKS naming the kid of a key the auditor pasted does not replace that key', async ({ page, app }) => {
  // Another P-256 key under the kid of the genuine one: a JWK's kid is what its publisher claims, not a fingerprint.
  const genuine = JSON.parse(read('keys/jwks.json')) as { keys: { kid: string }[] };
  const kid = genuine.keys[0]!.kid;
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const mirror = `http://localhost:${new URL(app.url).port}/mirror/keys.json`; // another origin than the page's
  await page.route(mirror, (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify({ keys: [{ ...other, kid, alg: 'ES256', use: 'sig' }] }) }));
  await open(page, app.url);
  await page.locator('#key-text').fill(read('keys/jwks.json'));
  await page.getByRole('button', { name: 'Pin key' }).click();
  await expect(page.locator('#key-list')).toContainText('pasted by you');
  await drop(page, [{ name: 'alpha-leaf0.json', text: read('bundles/alpha-leaf0.json') }]);
  await expect(page.locator('#summary')).toContainText('1 verified');

  await page.getByText('Load a JWKS from a URL instead').click();
  await page.getByLabel('JWKS URL').fill(mirror);
  await page.getByRole('button', { name: 'Fetch JWKS' }).click();
  await expect(page.locator('#key-message')).not.toContainText('Fetching');
  // The auditor's own key still stands, and the evidence it verified still verifies.
  await expect(page.locator('#key-list li')).toHaveCount(1);
  await expect(page.locator('#key-list')).toContainText('pasted by you');
  await expect(page.locator('#summary')).toContainText('1 verified');
  await expect(page.locator('#key-message')).toContainText(`kid ${kid.slice(0, 12)}`);
  await expect(page.locator('#key-message')).toContainText('already pinned to another key');
});

test("a version-1 export with a receipt beside the tenant head's period is not a verified period", async ({ page, app }) => {
  // 007.json is beta.health's sealed bundle of a period of one receipt; 000.json's receipt is acme-bank's, genuine,
  // of the same period. The page audited beta.health's receipt alone and said "Period verified" for the file,
  // which `aegislog audit` fails: acme-bank's receipt is proven by nothing loaded.
  const V1 = join(ROOT, 'test/vectors/aegislog-v1');
  const bundle = (name: string) => JSON.parse(readFileSync(join(V1, `bundles/${name}.json`), 'utf8')) as { receipt: unknown };
  await open(page, app.url);
  await page.locator('#key-text').fill(readFileSync(join(V1, 'key.pem'), 'utf8'));
  await page.getByRole('button', { name: 'Pin key' }).click();
  await expect(page.locator('#key-list')).toContainText('pasted by you');
  await drop(page, [
    { name: '007.json', text: JSON.stringify(bundle('007')) },
    { name: 'export.ndjson', text: JSON.stringify(bundle('007').receipt) },
  ]);
  await page.getByRole('button', { name: 'Audit period' }).click();
  const result = page.locator('#period-result');
  await expect(result.locator('p').first()).toContainText('Period verified');
  // A receipt loaded afterwards voids that result: it was computed without it.
  await drop(page, [{ name: 'more.ndjson', text: JSON.stringify(bundle('000').receipt) }]);
  await expect(page.locator('#period-inputs')).toContainText('1 other receipt loaded is not of this tenant and period');
  await expect(result).toBeEmpty();
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(result.locator('p').first()).toContainText('Not every receipt audited');
  await expect(result.locator('.pill-ok', { hasText: 'Period verified' })).toHaveCount(0);
});

test('one checkpoint, one receipt: said in the singular', async ({ page, app }) => {
  const history = JSON.parse(read('histories/history.json')) as { checkpoints: unknown[] };
  history.checkpoints = history.checkpoints.slice(0, 1);
  await open(page, app.url);
  await drop(page, [{ name: 'one.json', text: JSON.stringify(history) }]);
  await expect(page.locator('#chain-summary')).toContainText('1 checkpoint of own.aegislog.test/log, not checked');
  await pin(page, read('policy-none.txt'));
  await expect(page.locator('#chain-summary .pill-ok')).toContainText('1 checkpoint of own.aegislog.test/log, size ');
  await expect(page.locator('#chain-summary')).not.toContainText('checkpoints');

  const V1 = join(ROOT, 'test/vectors/aegislog-v1');
  const bundle = readFileSync(join(V1, 'bundles/007.json'), 'utf8');
  await page.locator('#key-text').fill(readFileSync(join(V1, 'key.pem'), 'utf8'));
  await page.getByRole('button', { name: 'Pin key' }).click();
  await drop(page, [{ name: '007.json', text: bundle }, { name: 'export.ndjson', text: JSON.stringify((JSON.parse(bundle) as { receipt: unknown }).receipt) }]);
  await expect(page.locator('#period-inputs')).toContainText('1 receipt of tenant beta.health');
  await page.getByRole('button', { name: 'Audit period' }).click();
  await expect(page.locator('#period-result p').first()).toContainText('Period verified 1 receipt, signed by a pinned key, rebuilds the signed tenant root');
});
