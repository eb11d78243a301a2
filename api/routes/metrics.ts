/** Metrics routes. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../app';
import { concurrencyMetrics } from '../ledger-queries';
import { ConcurrencyMetrics, ErrorBody } from '../schemas';

const concurrencyRoute = createRoute({
  method: 'get',
  path: '/api/metrics/concurrency',
  summary: 'Accounts by state and the tasks the one-at-a-time rule holds back',
  responses: {
    200: { content: { 'application/json': { schema: ConcurrencyMetrics } }, description: 'Counts' },
    401: { content: { 'application/json': { schema: ErrorBody } }, description: 'Missing or wrong API key' },
  },
});

export function metricsRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: deps.validationHook });
  app.openapi(concurrencyRoute, async (c) => c.json(await concurrencyMetrics(deps.database.db) as z.infer<typeof ConcurrencyMetrics>, 200));
  return app;
}
