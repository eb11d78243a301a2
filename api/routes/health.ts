/**
 * `/health`: liveness (the process answers) and readiness (Temporal reachable, Postgres reachable, at least
 * one worker polling the task queue). 200 when ready, 503 with the failing checks otherwise.
 *
 * It needs no key, so what it costs and what it tells are bounded: one readiness check at a time, whose
 * answer serves every caller for HEALTH_CACHE_MS; the checks' detail (dependency error text, queue names)
 * only goes to a caller with a valid API key when API_KEYS is set, everyone else sees which checks pass.
 */
import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../app';
import { callerKeyId } from '../caller';

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
