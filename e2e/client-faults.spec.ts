// Faults of the browser client found in review, each reproduced in real Chromium against the
// reference server: an IndexedDB over quota.
import type { Page } from '@playwright/test';
import type { Stack } from './support/fixtures.js';
import { expect, test } from './support/fixtures.js';

async function openClient(page: Page, { app, api }: Stack, params: Record<string, string | number> = {}): Promise<void> {
  const query = new URLSearchParams({ endpoint: api.url, key: api.ingestKey, tenant: api.tenantId });
  for (const [name, value] of Object.entries(params)) query.set(name, String(value));
  await page.goto(`${app.url}/e2e/pages/client.html?${query}`);
  await page.waitForFunction(() => window.harness !== undefined);
}

test('IndexedDB over quota: records still delivered while the page lives, numbered, with one warning', async ({ page, context, stack }) => {
  // Every IndexedDB write of the origin then fails with QuotaExceededError; opening still works.
  await page.goto(`${stack.app.url}/e2e/pages/blank.html`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: stack.app.url, quotaSize: 20_000 });
  const warnings: string[] = [];
  page.on('console', (message) => void (message.type() === 'warning' && warnings.push(message.text())));
  await openClient(page, stack, { batchSize: 10, flushInterval: 300 });
  const ids = await page.evaluate(() => window.harness.record(50));
  // Before: each write failed three times and the records waited in memory for a write that never came.
  const stored = await stack.api.waitForStored(ids.length);
  expect(new Set(stored)).toEqual(new Set(ids));
  expect(stored).toHaveLength(ids.length);
  const events = await stack.api.storedEvents();
  expect(new Set(events.map((e) => e.client_id)).size).toBe(1);
  expect(events.map((e) => e.client_seq as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  expect(warnings.filter((w) => w.includes('queueing in memory only'))).toHaveLength(1);
  await expect.poll(() => page.evaluate(() => window.harness.log.stats().queued)).toBe(0);
});
