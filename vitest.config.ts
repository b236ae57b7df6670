import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: '.',
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests open real sockets and a real browser on a 2-core machine: keep parallelism modest.
    maxWorkers: 2,
    // Builds the web app once before the browser tests.
    globalSetup: ['tests/browser/global-setup.ts'],
    reporters: ['default', './tests/summary-reporter.ts'],
  },
});
