// Playwright fixtures: each test gets its own app origin (static files) and
// reference server (API origin), both on 127.0.0.1 with ephemeral ports, and
// both stopped after the test.
import { test as base, expect, type Page } from '@playwright/test';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from './api-server.js';
import { ROOT, startStaticServer, type StaticServer } from './static-server.js';

export interface Stack {
  app: StaticServer;
  api: ApiServer;
}

export const test = base.extend<{ stack: Stack }>({
  stack: async ({}, use) => {
    const config: Record<string, unknown> = {};
    // The harness pages import ../../dist/browser/*.js, so both keep their repository paths.
    const app = await startStaticServer({ '/dist/': 'dist', '/e2e/pages/': 'e2e/pages', '/demo/': 'dist/demo' }, config);
    const api = await startApiServer([app.url]);
    // What `aegislog dev` answers at /demo/config.json: the API and the demo tenant's publishable ingest key.
    config['/demo/config.json'] = { endpoint: api.url, tenant_id: api.tenantId, ingest_key: api.ingestKey };
    try {
      await use({ app, api });
    } finally {
      await app.close();
      await api.close();
    }
  },
});

export { expect };

export const ARTIFACTS = join(ROOT, 'e2e', 'artifacts');

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

/** Full-page screenshots of the current page at desktop and phone widths, into e2e/artifacts/. */
export async function screenshots(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(VIEWPORTS.desktop);
}

/** Polls `probe` every 100 ms until it returns true; fails with `what` after `timeoutMs` / 100 looks (a count, not the wall clock). */
export async function until(probe: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  for (let looks = Math.ceil(timeoutMs / 100); !(await probe()); looks--) {
    if (looks <= 0) throw new Error(`gave up after ${Math.ceil(timeoutMs / 100)} looks waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}
