import { defineConfig } from 'vitest/config';

/**
 * The suites that start the whole staging topology (nginx, API processes, a private PostgreSQL):
 * `npm run test:staging`, a CI step of its own so they never compete for the CPU with the rest.
 */
export default defineConfig({
  test: {
    include: ['test/staging/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Real processes, sockets, browsers and databases on a shared two-core machine: a test that
    // fails once is run once more, and vitest reports the retry, so flakiness stays visible
    // while a real regression (it fails both times) still fails the run.
    retry: 1,
    reporters: ['default'],
  },
});
