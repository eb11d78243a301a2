/**
 * Interactions end to end: `simulate` tasks with a target and an action submitted through the API, run by
 * real workers on a real dev server, on both drivers. A repeat inside the window ends skipped
 * (`dedupe_hit`); the window (set in seconds) expires; a transient failure records `retry`; two workers
 * on one task queue and database still make one success; the daily cleanup schedule exists and runs.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../config/logger';
import { CLEANUP_SCHEDULE_ID } from '../../worker/schedules';
import { createBatonWorker } from '../../worker/create-worker';
import type { DriverKind } from '../helpers/database';
import { call, startStack, type TestStack } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { eventually } from '../helpers/wait';

let temporal: TestTemporal;
beforeAll(async () => {
  temporal = await startTestTemporal();
});
afterAll(async () => {
  await temporal?.stop();
});

const TERMINAL = ['succeeded', 'failed', 'cancelled', 'skipped', 'deduplicated'];

describe.each<DriverKind>(['postgres', 'pglite'])('interactions end to end on %s', (driver) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack(temporal, { driver });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const submit = async (accountId: string, payload: Record<string, unknown>) => {
    const res = await call(stack, 'POST', `/api/accounts/${accountId}/tasks`, { type: 'simulate', payload });
    expect(res.status).toBe(202);
    return res.body.taskId as string;
  };
  const finished = (taskId: string) =>
    eventually(async () => {
      const res = await call(stack, 'GET', `/api/tasks/${taskId}`);
      return TERMINAL.includes(res.body?.status) ? res.body : undefined;
    }, { what: `task ${taskId} finished` });
  const events = async (accountId: string, extra = '') =>
    (await call(stack, 'GET', `/api/interactions/events?accountId=${accountId}&limit=1000${extra}`)).body.items.reverse();

  it('a simulate task run twice for one account: one success, one dedupe_hit, the second task skipped', async () => {
    const a = `e2e-${randomUUID().slice(0, 8)}`;
    const payload = { target: 'user:42', action: 'follow', ms: 50 };
    const first = await finished(await submit(a, payload));
    expect(first).toMatchObject({ status: 'succeeded', result: { ok: true, target: 'user:42', action: 'follow' } });
    const second = await finished(await submit(a, payload));
    expect(second).toMatchObject({ status: 'skipped', error: { code: 'skipped', message: 'dedupe_hit' } });

    const items = await events(a);
    expect(items.map((e: { status: string; taskId: string }) => [e.status, e.taskId])).toEqual([['success', first.taskId], ['dedupe_hit', second.taskId]]);
    expect(items[0]).toMatchObject({ target: 'user:42', action: 'follow', reason: null, metadata: { type: 'simulate', attempt: 1 } });
    expect(items[0].workerId).toMatch(/^baton-worker@.+:\d+$/);
    expect(items[0].latencyMs).toBeGreaterThanOrEqual(50);
    expect(items[1]).toMatchObject({ reason: 'inside_window', latencyMs: null });

    const check = await call(stack, 'POST', '/api/interactions/check', { accountId: a, action: 'follow', targets: ['user:42', 'user:43'] });
    expect(check.body.results[0]).toMatchObject({ target: 'user:42', allowed: false });
    expect(Date.parse(check.body.results[0].nextAllowedAt) - Date.parse(check.body.results[0].lastSuccessAt)).toBe(30 * 86_400_000);
    expect(check.body.results[1]).toEqual({ target: 'user:43', allowed: true });
    // The dedupe hit is not an error of the account.
    const health = await call(stack, 'GET', `/api/accounts/states/${a}`);
    expect(health.status).toBe(200);
    expect(health.body.errors).toEqual([]);
    const metrics = await call(stack, 'GET', '/api/metrics');
    expect(metrics.body.interactions.byStatus.dedupe_hit).toBeGreaterThanOrEqual(1);
  });

  it('the window set in seconds: inside it skipped, after it allowed again', async () => {
    const before = (await call(stack, 'GET', '/api/settings')).body.reengagementDays;
    // Seconds, but not so few that a loaded machine starts the repeat after the window.
    await call(stack, 'PUT', '/api/settings', { reengagementDays: 4 / 86_400 });
    try {
      const a = `e2e-window-${randomUUID().slice(0, 8)}`;
      const payload = { target: 'post:7', action: 'like' };
      const one = await finished(await submit(a, payload));
      const two = await finished(await submit(a, payload));
      expect([one.status, two.status]).toEqual(['succeeded', 'skipped']);
      const [ok] = await events(a);
      await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(ok.ts) + 4100 - Date.now())));
      const three = await finished(await submit(a, payload));
      expect(three.status).toBe('succeeded');
      expect((await events(a)).map((e: { status: string }) => e.status)).toEqual(['success', 'dedupe_hit', 'success']);
    } finally {
      await call(stack, 'PUT', '/api/settings', { reengagementDays: before });
    }
  });

  it('a transient failure records retry, and the retry that succeeds records success', async () => {
    const a = `e2e-retry-${randomUUID().slice(0, 8)}`;
    await call(stack, 'PUT', '/api/settings', { retryInitialSeconds: 0.1 });
    const task = await finished(await submit(a, { target: 'user:1', action: 'dm', outcome: 'transient', failTimes: 1 }));
    expect(task).toMatchObject({ status: 'succeeded', attempts: 2 });
    const items = await events(a);
    expect(items.map((e: { status: string; reason: string | null }) => [e.status, e.reason])).toEqual([['retry', 'transient_error'], ['success', null]]);
  });

  it.runIf(driver === 'postgres')('two workers on one task queue and database: one success for a target', async () => {
    const second = await createBatonWorker({ config: stack.config, database: stack.db.database, log: createLogger('warn', 'second-worker'), heartbeatIntervalMs: 300 });
    const running = second.run();
    try {
      const a = `e2e-two-${randomUUID().slice(0, 8)}`;
      const ids = [];
      for (let i = 0; i < 6; i++) ids.push(await submit(a, { target: 'hot', action: 'follow', ms: 30 }));
      const results = await Promise.all(ids.map(finished));
      expect(results.map((r) => r.status).sort()).toEqual(['skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'succeeded']);
      expect(results[0].status).toBe('succeeded'); // FIFO: the first one engaged
      const items = await events(a);
      expect(items.filter((e: { status: string }) => e.status === 'success')).toHaveLength(1);
      expect(items.filter((e: { status: string }) => e.status === 'dedupe_hit')).toHaveLength(5);
    } finally {
      await second.shutdown();
      await running;
    }
  });

  it.runIf(driver === 'postgres')('the cleanup schedule exists, and a triggered run deletes what is due', async () => {
    const handle = stack.client.schedule.getHandle(CLEANUP_SCHEDULE_ID);
    const described = await handle.describe();
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'cleanupWorkflow', taskQueue: stack.config.TEMPORAL_TASK_QUEUE });
    const { db } = stack.db.database;
    const { interactionLatest } = await import('../../db/schema');
    await db.insert(interactionLatest).values({ accountId: 'gone', target: 't', action: 'a', status: 'success', expiresAt: new Date(Date.now() - 1000) });
    await handle.trigger();
    const run = await eventually(async () => (await handle.describe()).info.recentActions[0]?.action.workflow, { what: 'a cleanup run' });
    const result = await stack.client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).result();
    expect(result.deleted.latest).toBeGreaterThanOrEqual(1); // earlier tests leave expired windows too
    expect(result.deleted.events).toBe(0);
    expect(await db.select().from(interactionLatest).where(eq(interactionLatest.accountId, 'gone'))).toEqual([]);
  });
});
