// The browser suite: real Chromium (Debian's, see e2e/chromium.mjs) against
// the reference server on 127.0.0.1. Every test starts its own servers on
// ephemeral ports, so tests can run side by side.
import { defineConfig } from '@playwright/test';
import { launchOptions } from './e2e/chromium.mjs';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  fullyParallel: true,
  // Two cores shared with the server under test: more workers only add noise.
  workers: 2,
  retries: 0,
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: launchOptions(),
    viewport: { width: 1280, height: 800 },
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
