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
    // No retry: a test that fails once is a bug to find (issue 14, defect 9).
    retry: 0,
    reporters: ['default'],
  },
});
