/**
 * Account health against a real dev server and Postgres, with settings in milliseconds: the backoff
 * sequence and the long cooldown, Retry-After, reset on success, the circuit breaker's cycle, live
 * settings and per-account overrides, and cooldowns that end on time across a killed worker and a
 * restarted Temporal server.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { taskEvents, tasks } from '../../db/schema';
import { accountWorkflowId } from '../../workflows/account-workflow';
import { getState } from '../../workflows/messages';
import type { Child } from '../helpers/processes';
import { call } from '../helpers/stack';
import { stackPerFile } from '../helpers/stack-per-file';
import { eventually } from '../helpers/wait';

// Steps 0.3 s, 0.6 s, 1.2 s; no jitter; the 3rd consecutive rate limit gets the long cooldown (3 s).
const { temporal, stack } = stackPerFile({ driver: 'postgres', worker: false });

beforeAll(() => {
  startWorkerProcess();
});

// LOG_LEVEL info: the test waits for the worker's 'worker started' line.
const startWorkerProcess = (): Child => stack.spawnWorker({ LOG_LEVEL: 'info' });

const acct = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;

async function submit(accountId: string, type: string, payload: unknown) {
  const res = await call(stack, 'POST', `/api/accounts/${accountId}/tasks`, { type, payload });
  expect(res.status).toBe(202);
  return res.body.taskId as string;
}

async function finished(taskId: string, timeoutMs = 60_000) {
  return eventually(async () => {
    const [row] = await stack.db.database.db.select().from(tasks).where(eq(tasks.taskId, taskId));
    return row && !['queued', 'running'].includes(row.status) && row;
  }, { timeoutMs, intervalMs: 100, what: `task ${taskId} finished` });
}

async function events(taskId: string) {
  return stack.db.database.db.select().from(taskEvents).where(eq(taskEvents.taskId, taskId)).orderBy(asc(taskEvents.id));
}

/** Gaps between each `requeued` event and the next `started` one: the cooldowns actually waited. */
async function cooldownGaps(taskId: string): Promise<number[]> {
  const ev = await events(taskId);
  const gaps: number[] = [];
  ev.forEach((e, i) => {
    if (e.type !== 'requeued') return;
    const next = ev.slice(i + 1).find((n) => n.type === 'started');
    if (next) gaps.push(next.at.getTime() - e.at.getTime());
  });
  return gaps;
}

const liveState = (accountId: string) =>
  stack.client.workflow.getHandle(accountWorkflowId(accountId)).query(getState, { withWaiting: true });

/** A task that is rate limited once, and the account's cooldown of `seconds` that follows: its end. */
async function rateLimitedIntoCooldown(accountId: string, seconds: number): Promise<{ taskId: string; until: number }> {
  await call(stack, 'PUT', `/api/accounts/${accountId}/settings`, { rateLimitBackoffSeconds: [seconds] });
  const taskId = await submit(accountId, 'simulate', { outcome: 'rate_limited', failTimes: 1 });
  const s = await eventually(async () => {
    const v = await liveState(accountId);
    return v.state === 'COOLDOWN' && v;
  }, { intervalMs: 20, what: 'cooldown' });
  return { taskId, until: Date.parse(s.cooldownUntil!) };
}

describe('rate limits', () => {
  it('backs off 0.3 s, 0.6 s, then the long cooldown, and a success resets the count', async () => {
    const a = acct('rl-seq');
    const taskId = await submit(a, 'simulate', { outcome: 'rate_limited', failTimes: 3 });
    const cooling = await eventually(async () => {
      const s = await liveState(a);
      return s.state === 'COOLDOWN' && s;
    }, { intervalMs: 20, what: 'first cooldown' });
    expect(cooling.consecutiveRateLimits).toBe(1);
    expect(cooling.cooldownReason).toMatch(/cooldown 0\.3.* s after rate limit #1/);
    const row = await finished(taskId);
    expect(row.status).toBe('succeeded');
    expect(row.attempts).toBe(4);
    const gaps = await cooldownGaps(taskId);
    expect(gaps).toHaveLength(3);
    const expected = [300, 600, 3000];
    gaps.forEach((g, i) => {
      expect(g).toBeGreaterThanOrEqual(expected[i]! - 50);
      expect(g).toBeLessThan(expected[i]! + 2000);
    });
    const after = await eventually(async () => {
      const s = await liveState(a);
      return s.state === 'AVAILABLE' && s;
    }, { what: 'available again' });
    expect(after.consecutiveRateLimits).toBe(0);
  });

  it('honours Retry-After when it is longer than the backoff step', async () => {
    const a = acct('rl-retry-after');
    const taskId = await submit(a, 'simulate', { outcome: 'rate_limited', failTimes: 1, retryAfterMs: 1500 });
    await finished(taskId);
    const [gap] = await cooldownGaps(taskId);
    expect(gap).toBeGreaterThanOrEqual(1450);
  });

  it('keeps waiting tasks behind the rate-limited one, with reason account_cooldown and an ETA', async () => {
    const a = acct('rl-wait');
    await submit(a, 'sleep', { ms: 50 }); // a finished task gives the ETA a duration to work with
    const limited = await submit(a, 'simulate', { outcome: 'rate_limited', failTimes: 1, retryAfterMs: 1200 });
    const behind = await submit(a, 'sleep', { ms: 10 });
    const s = await eventually(async () => {
      const v = await liveState(a);
      return v.state === 'COOLDOWN' && v.waiting?.length === 2 && v;
    }, { intervalMs: 20, what: 'cooldown with two waiting' });
    expect(s.waiting!.map((w) => [w.taskId, w.waitingReason])).toEqual([[limited, 'account_cooldown'], [behind, 'account_cooldown']]);
    const etaHead = Date.parse(s.waiting![0]!.eta!);
    const etaNext = Date.parse(s.waiting![1]!.eta!);
    expect(etaHead).toBeGreaterThanOrEqual(Date.parse(s.cooldownUntil!));
    expect(etaNext).toBeGreaterThan(etaHead);
    // The same story from Postgres: the projection and the task's waiting reason.
    const task = await eventually(async () => {
      const t = (await call(stack, 'GET', `/api/tasks/${behind}`)).body;
      return t.waitingReason === 'account_cooldown' && t;
    }, { what: 'ledger waiting reason' });
    expect(task.position).toBe(1);
    const l = await finished(limited);
    const b = await finished(behind);
    expect(b.startedAt!.getTime()).toBeGreaterThanOrEqual(l.finishedAt!.getTime());
  });
});

describe('circuit breaker and settings', () => {
  it('opens after N failures, lets one probe through, re-opens on failure and closes on success', async () => {
    const a = acct('breaker');
    const put = await call(stack, 'PUT', `/api/accounts/${a}/settings`, { breakerFailureThreshold: 2 });
    expect(put.body.overrides).toEqual({ breakerFailureThreshold: 2 });
    const ids = [];
    for (const outcome of ['error', 'error', 'error', 'ok']) ids.push(await submit(a, 'simulate', { outcome, failTimes: 1 }));
    for (const id of ids) await finished(id);
    const health = await eventually(async () => {
      const h = (await call(stack, 'GET', `/api/accounts/states/${a}`)).body;
      return h.breaker === 'closed' && h.breakerHistory?.length === 5 && h;
    }, { what: 'breaker closed with its history' });
    expect(health.breakerHistory.map((e: { from: string; to: string }) => `${e.from}>${e.to}`)).toEqual([
      'closed>open', 'open>half_open', 'half_open>open', 'open>half_open', 'half_open>closed',
    ]);
    expect(health.errors).toHaveLength(3);
    expect(health.errors[0]).toMatchObject({ kind: 'permanent', code: 'simulated_error' });
    const list = (await call(stack, 'GET', '/api/accounts/states?errors=1&limit=500')).body;
    expect(list.items.find((i: { accountId: string }) => i.accountId === a).errors).toHaveLength(1);
    // The probe (task 3) started only after the breaker's cooldown.
    const ev3 = await events(ids[2]!);
    const ev2 = await events(ids[1]!);
    expect(ev3.find((e) => e.type === 'started')!.at.getTime() - ev2.at(-1)!.at.getTime()).toBeGreaterThanOrEqual(250);
  });

  it('applies a changed setting to the next outcome without a restart', async () => {
    const a = acct('live-settings');
    await submit(a, 'sleep', { ms: 1 }); // the workflow starts with the old settings
    await eventually(async () => (await liveState(a)).tasksStarted === 1, { what: 'first task' });
    await call(stack, 'PUT', `/api/accounts/${a}/settings`, { rateLimitBackoffSeconds: [1.5] });
    const taskId = await submit(a, 'simulate', { outcome: 'rate_limited', failTimes: 1 });
    await finished(taskId);
    const [gap] = await cooldownGaps(taskId);
    expect(gap).toBeGreaterThanOrEqual(1450);
    expect((await call(stack, 'DELETE', `/api/accounts/${a}/settings`)).body.overrides).toBeNull();
    expect((await call(stack, 'PUT', `/api/accounts/${a}/settings`, { rateLimitBackoffSeconds: [] })).status).toBe(400);
  });
});

describe('durable cooldowns', () => {
  it('ends a cooldown on time although the worker was killed and restarted during it', async () => {
    const a = acct('durable-worker');
    const { taskId, until } = await rateLimitedIntoCooldown(a, 3);
    for (const c of stack.children) await c.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    const next = startWorkerProcess(); // started before the cooldown ends
    const readyAt = await eventually(() => next.output().includes('worker started') && Date.now(), { what: 'new worker ready' });
    const row = await finished(taskId);
    expect(row.status).toBe('succeeded');
    const started = (await events(taskId)).filter((e) => e.type === 'started');
    expect(started).toHaveLength(2);
    // Not before the cooldown ends, and without waiting for anything else once a worker is there again
    // (at most the sticky-queue timeout of the dead worker, 3 s, plus scheduling).
    expect(started[1]!.at.getTime()).toBeGreaterThanOrEqual(until - 50);
    expect(started[1]!.at.getTime()).toBeLessThan(Math.max(until, readyAt) + 6000);
  });

  it('ends a cooldown on time although the Temporal server restarted on its SQLite file during it', async () => {
    const a = acct('durable-server');
    const { taskId, until } = await rateLimitedIntoCooldown(a, 4);
    await temporal.restart();
    const row = await finished(taskId, 90_000);
    expect(row.status).toBe('succeeded');
    const started = (await events(taskId)).filter((e) => e.type === 'started');
    expect(started).toHaveLength(2);
    expect(started[1]!.at.getTime()).toBeGreaterThanOrEqual(until - 50);
  });
});
