/**
 * `/health`: liveness (the process answers) and readiness (Temporal reachable, Postgres reachable, at least
 * one worker polling the task queue). 200 when ready, 503 with the failing checks otherwise.
 *
 * It needs no key, so what it costs and what it tells are bounded: one readiness check at a time, whose
 * answer serves every caller for HEALTH_CACHE_MS; the checks' detail (dependency error text, queue names)
 * only goes to a caller with a valid API key when API_KEYS is set, everyone else sees which checks pass.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../app';
import { callerKeyId } from '../caller';
import { errorResponses, json, OPTIONAL_SECURITY } from './openapi';

export interface HealthCheck {
  ok: boolean;
  detail?: string;
}

export type HealthChecks = Record<'temporal' | 'postgres' | 'workers', () => Promise<HealthCheck>>;

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
  })
  .strict()
  .openapi('Readiness');
const Liveness = z.object({ status: z.literal('ok') }).strict().openapi('Liveness');

const ready = (path: '/health' | '/health/ready', operationId: string) =>
  createRoute({
    method: 'get', path, operationId, tags: ['health'], security: OPTIONAL_SECURITY,
    summary: path === '/health' ? 'Readiness: Temporal, Postgres and a worker polling the task queue' : 'Readiness (the same as /health)',
    description: `One check at a time, its answer reused for ${HEALTH_CACHE_MS} ms. No key needed; the checks' detail only for a valid key when the server has API_KEYS.`,
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

export function healthRoutes(deps: Pick<AppDeps, 'health' | 'config'>, cacheMs = HEALTH_CACHE_MS) {
  const app = new Hono<AppEnv>();
  let cached: { at: number; value: Readiness } | null = null;
  let inFlight: Promise<Readiness> | null = null;

  const check = async (): Promise<Readiness> => {
    const entries = await Promise.all(
      Object.entries(deps.health).map(async ([name, run]) => [name, await timed(run, CHECK_TIMEOUT_MS)] as const),
    );
    return { ok: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
  };
  /** The last answer while fresh; otherwise the check under way, or a new one: concurrent callers share it. */
  const ready = (): Promise<Readiness> => {
    if (cached && Date.now() - cached.at < cacheMs) return Promise.resolve(cached.value);
    inFlight ??= check()
      .then((value) => {
        cached = { at: Date.now(), value };
        return value;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  const answer = async (c: Context<AppEnv>) => {
    const r = await ready();
    const detailed = deps.config.API_KEYS.length === 0 || callerKeyId(c) !== null;
    const checks = detailed ? r.checks : Object.fromEntries(Object.entries(r.checks).map(([name, v]) => [name, { ok: v.ok }]));
    return c.json({ status: r.ok ? 'ok' : 'degraded', checks }, r.ok ? 200 : 503);
  };

  app.get('/health/live', (c) => c.json({ status: 'ok' }));
  app.get('/health', answer);
  app.get('/health/ready', answer);
  return app;
}
