import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real third-party servers: run with `npm run test:accuracy` (vitest.accuracy.config.ts).
    exclude: ['test/accuracy/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real processes, sockets, browsers and databases on a shared two-core machine: a test that
    // fails once is run once more, and vitest reports the retry, so flakiness stays visible
    // while a real regression (it fails both times) still fails the run.
    retry: 1,
    reporters: ['default'],
  },
});
