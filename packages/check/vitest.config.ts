import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real third-party servers: run with `npm run test:accuracy` (vitest.accuracy.config.ts).
    exclude: ['test/accuracy/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // No retry: a test that fails once is a bug to find (issue 14, defect 9).
    retry: 0,
    reporters: ['default'],
  },
});
