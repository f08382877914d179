import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real third-party servers: run with `npm run test:accuracy` (vitest.accuracy.config.ts).
    exclude: ['test/accuracy/**'],
    pool: 'forks',
    // One file per core and one more: many files spend their time waiting on child processes,
    // PostgreSQL and timers. Vitest's default (cores - 1) ran every file in turn on a 2-core CI.
    maxWorkers: availableParallelism() + 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // No retry: a test that fails once is a bug to find (issue 14, defect 9).
    retry: 0,
    reporters: ['default'],
  },
});
