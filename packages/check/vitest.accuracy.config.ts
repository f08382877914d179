import { defineConfig } from 'vitest/config';

/** The real-target accuracy suite: third-party servers on loopback, run on its own. */
export default defineConfig({
  test: {
    include: ['test/accuracy/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 240_000,
    retry: 0,
    reporters: ['default'],
  },
});
