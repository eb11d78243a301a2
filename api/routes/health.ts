/**
 * `/health`: liveness (the process answers) and readiness (Temporal reachable, Postgres reachable, at least
 * one worker polling the task queue). 200 when ready, 503 with the failing checks otherwise.
 */
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../app';

export interface HealthCheck {
  ok: boolean;
  detail?: string;
}

export type HealthChecks = Record<'temporal' | 'postgres' | 'workers', () => Promise<HealthCheck>>;

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

export function healthRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.get('/health/live', (c) => c.json({ status: 'ok' }));
  const ready = async () => {
    const entries = await Promise.all(
      Object.entries(deps.health).map(async ([name, check]) => [name, await timed(check, 3000)] as const),
    );
    const checks = Object.fromEntries(entries);
    const ok = entries.every(([, r]) => r.ok);
    return { ok, body: { status: ok ? 'ok' : 'degraded', checks } };
  };
  app.get('/health', async (c) => {
    const r = await ready();
    return c.json(r.body, r.ok ? 200 : 503);
  });
  app.get('/health/ready', async (c) => {
    const r = await ready();
    return c.json(r.body, r.ok ? 200 : 503);
  });
  return app;
}
