import { defineConfig } from 'vitest/config';

// `*.test.ts` run in Node; `*.shared.test.ts` run in Node and again in the
// edge-runtime environment (Vercel Edge's globals, no Node built-ins).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'edge-runtime',
          include: ['test/**/*.shared.test.ts'],
          environment: 'edge-runtime',
          testTimeout: 30_000,
        },
      },
    ],
  },
});
