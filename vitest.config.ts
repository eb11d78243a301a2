import { configDefaults, defineConfig } from 'vitest/config';

// Integration suites start their own Temporal dev server, database and processes; they take seconds,
// not milliseconds. Two files at a time suit the 2-core machines this runs on. The fault runs of test/chaos/
// take minutes and have their own config and script (`npm run test:chaos`, vitest.chaos.config.ts).
// The global setup starts a private PostgreSQL for the run when TEST_DATABASE_URL is unset and no server
// answers on 127.0.0.1:5432 (test/helpers/global-postgres.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/chaos/**'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/helpers/global-postgres.ts'],
  },
});
