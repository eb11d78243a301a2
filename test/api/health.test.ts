/**
 * /health costs one readiness check a second however many callers ask, and shows the checks' detail
 * (dependency error text) only to a caller with a valid key when keys are configured. The routes sit
 * behind the same key identification as in createApp; checks are stubs that count their calls (real
 * ones against an unreachable Temporal would leave gRPC calls running past the test).
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../api/app';
import { bearerAuth } from '../../api/http/auth';
import { healthRoutes, type HealthChecks } from '../../api/routes/health';
import { loadConfig } from '../../config/env';
import { enforceContract } from '../helpers/contract';

const SECRET_DETAIL = 'connect ECONNREFUSED 10.9.8.7:7233 (internal-temporal.corp)';

/** The health routes behind key identification, with checks that count their calls. */
function healthApp(keys: string[], temporalOk = () => true) {
  const calls = { temporal: 0, postgres: 0, workers: 0 };
  const slow = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const health: HealthChecks = {
    temporal: async () => {
      calls.temporal++;
      await slow(50);
      return temporalOk() ? { ok: true } : { ok: false, detail: SECRET_DETAIL };
    },
    postgres: async () => {
      calls.postgres++;
      return { ok: true, detail: 'postgres' };
    },
    workers: async () => {
      calls.workers++;
      return { ok: true, detail: '2 worker(s) polling baton-internal' };
    },
  };
  const config = loadConfig(keys.length ? { API_KEYS: keys.join(',') } : {});
  const app = new Hono<AppEnv>();
  app.use('*', bearerAuth(keys, () => true).identify);
  app.route('/', healthRoutes({ health, config }));
  enforceContract(app); // every answer is checked against the OpenAPI document
  return { app, calls };
}

describe('/health', () => {
  it('runs one check for many concurrent and repeated callers within a second', async () => {
    const { app, calls } = healthApp([]);
    const answers = await Promise.all(Array.from({ length: 20 }, () => app.request('/health')));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    for (let i = 0; i < 10; i++) expect((await app.request('/health/ready')).status).toBe(200);
    expect(calls).toEqual({ temporal: 1, postgres: 1, workers: 1 });
    // After a second the next caller gets a fresh check.
    await new Promise((r) => setTimeout(r, 1100));
    await app.request('/health');
    expect(calls.temporal).toBe(2);
  });

  it('keeps the status codes: 503 while a check fails, 200 once it passes', async () => {
    let ok = false;
    const { app } = healthApp([], () => ok);
    const down = await app.request('/health');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'degraded', checks: { temporal: { ok: false }, postgres: { ok: true } } });
    ok = true;
    await new Promise((r) => setTimeout(r, 1100));
    expect((await app.request('/health')).status).toBe(200);
    expect((await app.request('/health/live')).status).toBe(200);
  });

  it('shows dependency error text only to a caller with a valid key', async () => {
    const { app } = healthApp(['k-ops'], () => false);
    const anonymous = await app.request('/health');
    expect(anonymous.status).toBe(503);
    const text = await anonymous.text();
    expect(JSON.parse(text)).toEqual({ status: 'degraded', checks: { temporal: { ok: false }, postgres: { ok: true }, workers: { ok: true } } });
    expect(text).not.toContain('10.9.8.7');
    const wrongKey = await (await app.request('/health', { headers: { authorization: 'Bearer nope' } })).text();
    expect(wrongKey).not.toContain('10.9.8.7');
    const operator = await app.request('/health', { headers: { authorization: 'Bearer k-ops' } });
    expect(operator.status).toBe(503);
    expect((await operator.json()).checks).toMatchObject({ temporal: { ok: false, detail: SECRET_DETAIL }, workers: { detail: expect.stringContaining('baton-internal') } });
  });

  it('shows the detail to everyone when no keys are configured', async () => {
    const { app } = healthApp([], () => false);
    expect((await (await app.request('/health')).json()).checks.temporal.detail).toBe(SECRET_DETAIL);
  });
});
