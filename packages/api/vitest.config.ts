import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Whole-topology suites (nginx, N processes) run alone: vitest.staging.config.ts.
    exclude: ['test/staging/**', '**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Real processes, sockets, browsers and databases on a shared two-core machine: a test that
    // fails once is run once more, and vitest reports the retry, so flakiness stays visible
    // while a real regression (it fails both times) still fails the run.
    retry: 1,
    reporters: ['default'],
  },
});
