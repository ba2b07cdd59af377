// What `npm start` gives: the built `aegislog dev` as a child process, serving
// the API and both demo pages from one origin. The chat page gets its endpoint
// and ingest key from /demo/config.json; the auditor warns that a JWKS from
// that same origin proves nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './support/fixtures.js';
import { startDev } from './support/dev-process.js';

test('npm start: the chat demo records through aegislog dev, and the auditor flags its own-origin JWKS', async ({ page }) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'aegislog-e2e-dev-'));
  const dev = await startDev(dataDir);
  const { url } = dev;
  try {
    const config = (await (await fetch(`${url}/demo/config.json`)).json()) as Record<string, string>;
    expect(config).toEqual({ endpoint: url, tenant_id: 'demo', ingest_key: expect.stringMatching(/^ak_ingest_/) });

    await page.goto(`${url}/demo/chat/`);
    await expect(page.locator('#conn-status')).toContainText('Tenant demo');
    await page.getByLabel('Your message').fill('How do refunds work?');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('button', { name: 'Flush now' }).click();
    await expect(page.locator('#receipts tr[data-event]')).toHaveCount(1);

    await page.goto(`${url}/demo/auditor/`);
    await page.getByText('Load a JWKS from a URL instead').click();
    await page.getByLabel('JWKS URL').fill(`${url}/.well-known/aegislog/keys.json`);
    await page.getByRole('button', { name: 'Fetch JWKS' }).click();
    await expect(page.locator('#key-message')).toContainText('the server that produced the evidence');
  } finally {
    await dev.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
