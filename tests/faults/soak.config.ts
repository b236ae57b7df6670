import { defineConfig } from 'vitest/config';

/** Long fault runs, outside `npm test`: `npm run soak`. */
export default defineConfig({
  root: '.',
  test: {
    include: ['tests/faults/*.soak.ts'],
    testTimeout: 20 * 60_000,
    hookTimeout: 120_000,
    // One at a time: each soak loads the machine on its own and measures memory as it goes.
    fileParallelism: false,
    reporters: ['default', './tests/summary-reporter.ts'],
  },
});
