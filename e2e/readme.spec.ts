// The README's browser quick start, exactly as printed, in real Chromium against `aegislog dev`:
// the page loads dist/browser/aegislog.js through an import map (as the README says for pages
// without a bundler), its placeholders filled from the banner, as the README tells a user.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startStaticServer } from './support/static-server.js';
import { expect, test } from './support/fixtures.js';
import { startDev } from './support/dev-process.js';

async function readmeBlock(marker: string): Promise<string> {
  const text = await readFile(join(ROOT, 'README.md'), 'utf8');
  const after = text.slice(text.indexOf(`<!-- ${marker} -->\n`));
  return /```\w*\n([\s\S]*?)\n```/.exec(after)![1]!;
}

test('README browser quick start: record() with the ingest key reaches aegislog dev, signed', async ({ page }) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'aegislog-e2e-readme-'));
  const pageDir = await mkdtemp(join(tmpdir(), 'aegislog-e2e-readme-page-'));
  const dev = await startDev(dataDir);
  const { banner } = dev;
  const app = await startStaticServer({ '/dist/': 'dist', '/quickstart/': pageDir });
  try {
    const { url } = dev;
    const ingest = /ingest +key: (\S+)/.exec(banner)![1]!;
    const read = /read +key: (\S+)/.exec(banner)![1]!;
    const code = await readmeBlock('quickstart: browser');
    // The two things the README's comments say to take from the banner: the URL and the ingest key.
    expect(code).toContain("endpoint: 'http://127.0.0.1:8787',");
    expect(code).toContain("apiKey: '<ingest key from the banner>',");
    const filled = code.replace("'http://127.0.0.1:8787'", `'${url}'`).replace("'<ingest key from the banner>'", `'${ingest}'`);
    expect(filled).not.toMatch(/<[^>]+>/);
    await writeFile(join(pageDir, 'index.html'), [
      '<!doctype html><meta charset="utf-8"><title>quick start</title>',
      '<script type="importmap">{"imports": {"aegislog": "/dist/browser/aegislog.js"}}</script>',
      '<script type="module">',
      filled,
      // Not in the README: hand the id to the test once the queue has delivered it.
      'window.quickstart = { eventId, flushed: await log.flush() };',
      '</script>',
    ].join('\n'));

    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${app.url}/quickstart/`);
    const result = (await (await page.waitForFunction(() => (window as unknown as { quickstart?: unknown }).quickstart)).jsonValue()) as { eventId: string };
    expect(errors).toEqual([]);
    const verified = (await (await fetch(`${url}/verify/${result.eventId}`, { headers: { 'x-api-key': read } })).json()) as {
      status: string;
      event: { policy_context: { policy_hash: string } };
    };
    expect(verified.status).toMatch(/^(verified|pending)$/);
    expect(verified.event.policy_context.policy_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  } finally {
    await app.close();
    await dev.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(pageDir, { recursive: true, force: true });
  }
});
