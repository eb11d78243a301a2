/**
 * `GET /metrics`: the API process's Prometheus registry (api/metrics/api-metrics.ts) as Prometheus text,
 * read when Prometheus scrapes.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { AppEnv } from '../router';
import { errorResponses } from './openapi';

/** The route below, for the OpenAPI document. */
export const prometheusDocs = [
  createRoute({
    method: 'get', path: '/metrics', operationId: 'getPrometheusMetrics', tags: ['metrics'],
    summary: 'Prometheus text: request latency by route, event streams, the intake and relay, accounts by state, queued tasks, cooldowns, dedupe keys held and refused',
    responses: {
      200: { content: { 'text/plain': { schema: z.string().openapi({ description: 'Prometheus text exposition format 0.0.4' }) } }, description: 'The metrics' },
      ...errorResponses([401]),
    },
  }),
];

export function prometheusRoutes(registry: Registry) {
  const app = new Hono<AppEnv>();
  app.get('/metrics', async (c) => {
    c.header('Content-Type', registry.contentType);
    return c.body(await registry.metrics());
  });
  return app;
}
