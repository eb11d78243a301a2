/**
 * `createApp(deps)`: the Hono application with every route, and no `listen` and no environment reads, so
 * tests call `app.request()` on it and `api/server.ts` serves it.
 */
import { swaggerUI } from '@hono/swagger-ui';
import type { Config } from '../config/env';
import type { Logger } from '../config/logger';
import type { HandlerRegistry } from '../activities/handlers';
import type { Database } from '../db/client';
import type { SettingsStore } from '../db/settings-store';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { bearerAuth } from './http/auth';
import { rateLimit } from './http/rate-limit';
import type { Engine } from './engine';
import type { Relay } from './intake/relay';
import { ApiError, handleError } from './http/errors';
import { ErrorBody } from './schemas';
import { createRouter } from './router';
import { accountHealthRoutes } from './routes/account-health';
import { accountRoutes } from './routes/accounts';
import { healthDocs, healthRoutes, type HealthChecks } from './routes/health';
import { createApiMetrics } from './metrics/api-metrics';
import { prometheusDocs, prometheusRoutes } from './routes/prometheus';
import { metricsRoutes } from './routes/metrics';
import { dashboardMetricsRoutes } from './routes/dashboard-metrics';
import { metricsSeriesRoutes } from './routes/metrics-series';
import { accountTimelineRoutes } from './routes/account-timeline';
import { dedupeKeyRoutes } from './routes/dedupe-keys';
import { DASHBOARD_PUBLIC_PATHS, dashboardDocs, dashboardRoutes } from './routes/dashboard';
import { eventRoutes } from './routes/events';
import { interactionRoutes } from './routes/interactions';
import type { NotificationHub } from './streams/notifications';
import { settingsRoutes } from './routes/settings';
import { taskRoutes } from './routes/tasks';
import { retentionRoutes } from './routes/retention';
import { deprecatedPathsLast, documentHead, errorResponses, json, standardErrorResponses } from './routes/openapi';
import { createRoute, z } from '@hono/zod-openapi';
import packageJson from '../package.json' with { type: 'json' };

export interface AppDeps {
  config: Config;
  database: Database;
  engine: Engine;
  /** Hands what the intake stored to the account workflows. */
  relay: Relay;
  handlers: HandlerRegistry;
  settings: SettingsStore;
  log: Logger;
  health: HealthChecks;
  /** The process's one LISTEN, shared by every event stream. */
  notifications: NotificationHub;
}

export type { AppEnv } from './router';

const PUBLIC = new Set(['/health', '/health/live', '/health/ready', ...DASHBOARD_PUBLIC_PATHS]);

/** `buildDashboard: false` skips building the dashboard's script ahead of its first request (scripts/openapi.ts). */
export function createApp(deps: AppDeps, opts: { buildDashboard?: boolean } = {}) {
  const app = createRouter();
  app.onError(handleError(deps.log));
  app.notFound((c) => {
    throw new ApiError(404, 'not_found', `no route ${c.req.method} ${c.req.path}`);
  });
  const metrics = createApiMetrics(deps);
  app.use('*', metrics.observe);
  // Security headers on every answer; the dashboard adds its own Content-Security-Policy.
  app.use('*', secureHeaders({ contentSecurityPolicy: undefined, crossOriginEmbedderPolicy: false }));
  if (deps.config.CORS_ORIGINS.length) {
    app.use('/api/*', cors({ origin: deps.config.CORS_ORIGINS, allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID'], maxAge: 600 }));
  }
  // Who calls first (the key that matched), then the limit per key or client address, then the refusal.
  const auth = bearerAuth(deps.config.API_KEYS, (path) => PUBLIC.has(path));
  app.use('*', auth.identify);
  app.use('*', rateLimit(deps.config.API_RATE_LIMIT_RPS, deps.config.API_RATE_LIMIT_BURST));
  app.use('*', auth.require);

  app.route('/', healthRoutes(deps));
  app.route('/', prometheusRoutes(metrics.registry));
  app.route('/', taskRoutes(deps));
  app.route('/', retentionRoutes(deps));
  app.route('/', accountRoutes(deps));
  app.route('/', accountHealthRoutes(deps));
  app.route('/', accountTimelineRoutes(deps));
  app.route('/', dedupeKeyRoutes(deps));
  // The account collections at their old, deprecated paths: after every /api/accounts/{accountId}/… route.
  app.route('/', accountRoutes(deps, 'legacy'));
  app.route('/', accountHealthRoutes(deps, 'legacy'));
  app.route('/', metricsRoutes(deps));
  app.route('/', metricsSeriesRoutes(deps));
  app.route('/', settingsRoutes(deps));
  app.route('/', interactionRoutes(deps));
  app.route('/', eventRoutes(deps));
  app.route('/', dashboardMetricsRoutes(deps));
  app.route('/', dashboardRoutes(deps, opts.buildDashboard ?? true));

  // Plain Hono routes (their answers are not zod-validated) are described for the document here.
  for (const route of [...healthDocs, ...prometheusDocs, ...dashboardDocs, ...documentDocs]) app.openAPIRegistry.registerPath(route);
  app.openAPIRegistry.register('Error', ErrorBody); // the standard error answers refer to it
  for (const { name, response } of standardErrorResponses()) app.openAPIRegistry.registerComponent('responses', name, response);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (one of API_KEYS). Needed on every operation but the public ones when the server has API_KEYS; otherwise ignored.',
  });
  const head = documentHead({ keysRequired: deps.config.API_KEYS.length > 0, version: packageJson.version });
  app.get('/openapi.json', (c) => c.json(deprecatedPathsLast(app.getOpenAPI31Document(head))));
  app.get('/docs', swaggerUI({ url: '/openapi.json' }));
  return app;
}

export type BatonApp = ReturnType<typeof createApp>;

const documentDocs = [
  createRoute({
    method: 'get', path: '/openapi.json', operationId: 'getOpenApiDocument', tags: ['dashboard'],
    summary: 'This OpenAPI 3.1 document',
    responses: { 200: json(z.object({}).passthrough().openapi({ description: 'The document' }), 'The document'), ...errorResponses([401]) },
  }),
  createRoute({
    method: 'get', path: '/docs', operationId: 'getApiDocs', tags: ['dashboard'],
    summary: 'This document rendered (Swagger UI)',
    responses: { 200: { content: { 'text/html': { schema: z.string() } }, description: 'The page' }, ...errorResponses([401]) },
  }),
];
