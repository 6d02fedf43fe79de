import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'reference/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites share Redis, PostgreSQL and Docker; files run one at a time.
    fileParallelism: false,
    reporters: ['default', './test/reporters/summary-line.ts'],
  },
});
