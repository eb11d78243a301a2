import { defineConfig } from 'vitest/config';

// `npm run test:chaos`: the fault runs of test/chaos/ (kept out of `npm test`, see vitest.config.ts). One
// file at a time: the run starts its own Temporal dev server, Postgres cluster, workers and API, and the
// machines this runs on have 2 cores.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    testTimeout: 480_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
