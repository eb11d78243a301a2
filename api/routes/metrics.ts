/** Metrics routes. */
import { createRoute } from '@hono/zod-openapi';
import type { AppDeps } from '../app';
import { concurrencyMetrics } from '../queries/concurrency';
import { ConcurrencyMetrics } from '../schemas';
import { errorResponses, json } from './openapi';
import { createRouter } from '../router';

const concurrencyRoute = createRoute({
  method: 'get',
  path: '/api/metrics/concurrency',
  operationId: 'getConcurrencyMetrics',
  tags: ['metrics'],
  summary: 'Accounts by state and the tasks the one-at-a-time rule holds back',
  responses: { 200: json(ConcurrencyMetrics, 'Counts'), ...errorResponses([401, 503]) },
});

export function metricsRoutes(deps: AppDeps) {
  const app = createRouter();
  app.openapi(concurrencyRoute, async (c) => c.json(await concurrencyMetrics(deps.database.db), 200));
  return app;
}
