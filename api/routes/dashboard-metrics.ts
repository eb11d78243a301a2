/** `GET /api/metrics`: the dashboard's figures (tasks by status, the last day of interactions). */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../app';
import { dashboardMetrics } from '../interaction-queries';
import { DashboardMetrics } from '../schemas';
import { errorResponses, json } from './openapi';

const route = createRoute({
  method: 'get',
  path: '/api/metrics',
  operationId: 'getDashboardMetrics',
  tags: ['metrics'],
  summary: 'Tasks by status; interactions of the last 24 h by status, dedupe hit rate, latency p50/p95 by action',
  responses: { 200: json(DashboardMetrics, 'Figures'), ...errorResponses([401, 503]) },
});

export function dashboardMetricsRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: deps.validationHook });
  app.openapi(route, async (c) => c.json(await dashboardMetrics(deps.database.db) as z.infer<typeof DashboardMetrics>, 200));
  return app;
}
