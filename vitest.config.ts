import { configDefaults, defineConfig } from 'vitest/config';

// Integration suites start their own Temporal dev server, database and processes; they take seconds,
// not milliseconds. Two files at a time suit the 2-core machines this runs on. The fault runs of test/chaos/
// take minutes and have their own config and script (`npm run test:chaos`, vitest.chaos.config.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/chaos/**'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
