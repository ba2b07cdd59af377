// What the auditor page's specs share: the page's own files served (nothing else), our v2 vectors,
// and the two steps most tests start with (open the page, pin a key or policy).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { ROOT, startStaticServer, type StaticServer } from './static-server.js';

export const test = base.extend<{ app: StaticServer }>({
  app: async ({}, use) => {
    const app = await startStaticServer({ '/demo/': 'dist/demo' });
    await use(app);
    await app.close();
  },
});

export const OWN = join(ROOT, 'test/vectors/aegislog-v2-own');
export const read = (path: string) => readFileSync(join(OWN, path), 'utf8');

export async function open(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/demo/auditor/`);
  await expect(page.locator('#net-status')).toContainText('Online');
}

export async function pin(page: Page, text: string): Promise<void> {
  await page.locator('#key-text').fill(text);
  await page.getByRole('button', { name: 'Pin key' }).click();
  await expect(page.locator('#key-list')).toContainText('quorum');
}
