/** `GET /api/metrics`: the dashboard's figures (tasks by status, the last day of interactions). */
import { createRoute } from '@hono/zod-openapi';
import type { AppDeps } from '../app';
import { dashboardMetrics } from '../queries/dashboard-figures';
import { dedupeKeyFigures } from '../metrics/dedupe-key-metrics';
import { DashboardMetrics } from '../schemas';
import { errorResponses, json } from './openapi';
import { createRouter } from '../router';

const route = createRoute({
  method: 'get',
  path: '/api/metrics',
  operationId: 'getDashboardMetrics',
  tags: ['metrics'],
  summary: 'Tasks by status; interactions of the last 24 h by status, dedupe hit rate, latency p50/p95 by action; dedupe keys held and refused',
  responses: { 200: json(DashboardMetrics, 'Figures'), ...errorResponses([401, 503]) },
});

export function dashboardMetricsRoutes(deps: AppDeps) {
  const app = createRouter();
  app.openapi(route, async (c) => {
    const [figures, dedupeKeys] = await Promise.all([dashboardMetrics(deps.database.db), dedupeKeyFigures(deps.database.db)]);
    return c.json({ ...figures, dedupeKeys }, 200);
  });
  return app;
}
