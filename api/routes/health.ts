/**
 * `/health`: liveness (the process answers) and readiness (Temporal reachable, Postgres reachable, at least
 * one worker polling the task queue). 200 when ready, 503 with the failing checks otherwise.
 *
 * It needs no key, so what it costs and what it tells are bounded: one readiness check at a time, whose
 * answer serves every caller for HEALTH_CACHE_MS; the checks' detail (dependency error text, queue names)
 * and the figures (api/metrics/health-figures.ts: load, workers, version, uptime) only go to a caller with a valid
 * API key when API_KEYS is set, everyone else sees which checks pass. Without API_KEYS every route is open,
 * so everyone gets them. The figures are read only for such a caller, and shared for HEALTH_CACHE_MS too.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Hono, type Context } from 'hono';
import type { AppDeps } from '../app';
import type { AppEnv } from '../router';
import { callerKeyId } from '../http/caller';
import { createHealthFigures, HealthFigures, type WorkerPollers } from '../metrics/health-figures';
import { errorResponses, json, OPTIONAL_SECURITY } from './openapi';

export interface HealthCheck {
  ok: boolean;
  detail?: string;
}

export type HealthChecks = Record<'temporal' | 'postgres' | 'workers', () => Promise<HealthCheck>> & {
  /** For the figures: workers polling the task queue (absent: the figures say null). */
  workerPollers?: () => Promise<WorkerPollers>;
};

/** How long one readiness answer is reused. */
export const HEALTH_CACHE_MS = 1000;
const CHECK_TIMEOUT_MS = 3000;

interface Readiness {
  ok: boolean;
  checks: Record<string, HealthCheck>;
}

async function timed(check: () => Promise<HealthCheck>, ms: number): Promise<HealthCheck> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check(),
      new Promise<HealthCheck>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${ms} ms` }), ms);
      }),
    ]);
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

const Check = z
  .object({ ok: z.boolean(), detail: z.string().optional().openapi({ description: 'Why, or what was found; only with a valid key when the server has API_KEYS' }) })
  .strict()
  .openapi('HealthCheck');
const Readiness = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z.object({ temporal: Check, postgres: Check, workers: Check }).strict(),
    figures: HealthFigures.optional().openapi({ description: 'Only for a valid key when the server has API_KEYS (for everyone without API_KEYS)' }),
  })
  .strict()
  .openapi('Readiness');
const Liveness = z.object({ status: z.literal('ok') }).strict().openapi('Liveness');

const ready = (path: '/health' | '/health/ready', operationId: string) =>
  createRoute({
    method: 'get', path, operationId, tags: ['health'], security: OPTIONAL_SECURITY,
    summary: path === '/health' ? 'Readiness: Temporal, Postgres and a worker polling the task queue' : 'Readiness (the same as /health)',
    description: `One check at a time, its answer reused for ${HEALTH_CACHE_MS} ms. No key needed; the checks' detail and the figures only for a valid key when the server has API_KEYS.`,
    responses: { 200: json(Readiness, 'Ready'), 503: json(Readiness, 'Not ready: the failing checks say which'), ...errorResponses([]) },
  });

/** The routes below, for the OpenAPI document (they are plain Hono routes: their answers are not zod-validated). */
export const healthDocs = [
  ready('/health', 'getHealth'),
  createRoute({
    method: 'get', path: '/health/live', operationId: 'getLiveness', tags: ['health'], security: OPTIONAL_SECURITY,
    summary: 'Liveness: the process answers',
    responses: { 200: json(Liveness, 'Alive'), ...errorResponses([]) },
  }),
  ready('/health/ready', 'getReadiness'),
];

/** `read` at most once per `ms`: the last answer while fresh; otherwise the read under way, or a new one, shared by concurrent callers. */
function shared<T>(read: () => Promise<T>, ms: number): () => Promise<T> {
  let cached: { at: number; value: T } | null = null;
  let inFlight: Promise<T> | null = null;
  return () => {
    if (cached && Date.now() - cached.at < ms) return Promise.resolve(cached.value);
    inFlight ??= read()
      .then((value) => {
        cached = { at: Date.now(), value };
        return value;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };
}

/** What the figures are read from; without a database (unit tests of the checks alone) there are none. */
type FigureDeps = Partial<Pick<AppDeps, 'database'>> & { notifications?: Pick<AppDeps['notifications'], 'streams'> };

export function healthRoutes(deps: Pick<AppDeps, 'health' | 'config'> & FigureDeps, cacheMs = HEALTH_CACHE_MS) {
  const app = new Hono<AppEnv>();
  const { workerPollers, ...checks } = deps.health;

  const ready = shared(async (): Promise<Readiness> => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, run]) => [name, await timed(run, CHECK_TIMEOUT_MS)] as const),
    );
    return { ok: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
  }, cacheMs);
  // Temporal is asked for its pollers only once the readiness check reached it: a call to an unreachable
  // server waits out its deadline, and its retries may outlive the connection.
  const pollersIfReachable = workerPollers && (async () => {
    if (!(await ready()).checks.temporal?.ok) throw new Error('Temporal is unreachable');
    return workerPollers();
  });
  const figures = deps.database && deps.notifications
    ? shared(createHealthFigures({
      database: deps.database,
      streams: deps.notifications.streams.stats,
      ...(pollersIfReachable ? { workerPollers: pollersIfReachable } : {}),
    }, CHECK_TIMEOUT_MS), cacheMs)
    : null;

  const answer = async (c: Context<AppEnv>) => {
    const detailed = deps.config.API_KEYS.length === 0 || callerKeyId(c) !== null;
    const [r, f] = await Promise.all([ready(), detailed && figures ? figures() : null]);
    const shown = detailed ? r.checks : Object.fromEntries(Object.entries(r.checks).map(([name, v]) => [name, { ok: v.ok }]));
    return c.json({ status: r.ok ? 'ok' : 'degraded', checks: shown, ...(f ? { figures: f } : {}) }, r.ok ? 200 : 503);
  };

  app.get('/health/live', (c) => c.json({ status: 'ok' }));
  app.get('/health', answer);
  app.get('/health/ready', answer);
  return app;
}
