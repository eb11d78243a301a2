/**
 * `ctx.engage` against the real database, both drivers: the window (inside, outside, after expiry), what
 * failures record, two engagements of one (account, target, action) at once, stale attempts, a crashed
 * claim expiring, and the retention cleanup counts.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupInteractions } from '../../activities/cleanup';
import { DEFAULT_MESSAGE_RULES, DedupeHitError, PermanentError, StaleAttemptError, TransientError } from '../../activities/errors';
import { claimInteraction, describeEngageError, engage, type EngageScope } from '../../activities/interactions';
import { recordAccount, startAttempt, type Lease } from '../../activities/ledger';
import { loadConfig } from '../../config/env';
import { defaultSettings } from '../../config/settings';
import type { Db } from '../../db/client';
import { interactionEvents, interactionLatest } from '../../db/schema';
import { createSettingsStore } from '../../db/settings-store';
import type { AccountView } from '../../workflows/types';
import { openTestDatabase, type DriverKind, type TestDatabase } from '../helpers/database';

const view = (accountId: string, version: number): AccountView => ({
  accountId, state: 'RUNNING', runningTaskId: null, runningTaskType: null, runningSince: null, queueLength: 0,
  cooldownUntil: null, cooldownReason: null, suspendedReason: null, consecutiveRateLimits: 0, consecutiveFailures: 0,
  breaker: 'closed', breakerHistory: [], tasksStarted: 0, version,
});

let token = 1;
/** A task of `accountId` in the ledger, running under a fresh lease. */
async function runningTask(db: Db, accountId: string, taskId = randomUUID(), attempt = 1): Promise<{ taskId: string; lease: Lease }> {
  await recordAccount(db, {
    accountId, projection: null,
    records: [{ kind: 'queued', task: { taskId, type: 'simulate', payload: {}, submittedAtMs: Date.now() }, enqueuedAtMs: Date.now() }],
  });
  const lease = { fencingToken: token++, activityAttempt: attempt };
  expect((await startAttempt(db, taskId, lease, view(accountId, lease.fencingToken))).kind).toBe('started');
  return { taskId, lease };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each<DriverKind>(['postgres', 'pglite'])('engage on %s', (driver) => {
  let t: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    t = await openTestDatabase(driver);
    db = t.database.db;
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  const scope = (accountId: string, task: { taskId: string; lease: Lease }, o: Partial<EngageScope> = {}): EngageScope => ({
    db, accountId, taskId: task.taskId, lease: task.lease, workerId: 'worker-under-test', windowMs: 60_000, claimTtlMs: 30_000,
    describeError: (err) => describeEngageError(err, { finalAttempt: false, errorRules: DEFAULT_MESSAGE_RULES, aborted: null }),
    ...o,
  });
  const eventsOf = (accountId: string, target?: string) =>
    db.select().from(interactionEvents)
      .where(target ? and(eq(interactionEvents.accountId, accountId), eq(interactionEvents.target, target)) : eq(interactionEvents.accountId, accountId))
      .orderBy(interactionEvents.id);
  const latestOf = async (accountId: string, target: string, action: string) =>
    (await db.select().from(interactionLatest).where(and(
      eq(interactionLatest.accountId, accountId), eq(interactionLatest.target, target), eq(interactionLatest.action, action),
    )))[0];

  it('inside the window: dedupe_hit without calling fn; another target or action is free; after expiry allowed again', async () => {
    const a = `acct-${randomUUID()}`;
    const windowMs = 1500;
    let calls = 0;
    const fn = async () => ++calls;
    const first = await runningTask(db, a);
    expect(await engage(scope(a, first, { windowMs }), 'user:1', 'follow', fn, { source: 'test' })).toBe(1);
    const latest = await latestOf(a, 'user:1', 'follow');
    expect(latest?.status).toBe('success');
    expect(latest!.expiresAt!.getTime() - latest!.lastSuccessAt!.getTime()).toBe(windowMs);

    const second = await runningTask(db, a);
    const hit = await engage(scope(a, second, { windowMs }), 'user:1', 'follow', fn).catch((e: unknown) => e);
    expect(hit).toBeInstanceOf(DedupeHitError);
    expect((hit as DedupeHitError).nextAllowedAt?.getTime()).toBe(latest!.expiresAt!.getTime());
    expect(calls).toBe(1);

    // The window is per (account, target, action).
    expect(await engage(scope(a, second, { windowMs }), 'user:2', 'follow', fn)).toBe(2);
    expect(await engage(scope(a, second, { windowMs }), 'user:1', 'like', fn)).toBe(3);

    await sleep(windowMs - (Date.now() - latest!.lastSuccessAt!.getTime()) + 100);
    const third = await runningTask(db, a);
    expect(await engage(scope(a, third, { windowMs }), 'user:1', 'follow', fn)).toBe(4);

    const events = await eventsOf(a, 'user:1');
    expect(events.map((e) => [e.action, e.status, e.taskId])).toEqual([
      ['follow', 'success', first.taskId],
      ['follow', 'dedupe_hit', second.taskId],
      ['like', 'success', second.taskId],
      ['follow', 'success', third.taskId],
    ]);
    expect(events[0]).toMatchObject({ workerId: 'worker-under-test', metadata: { source: 'test' }, reason: null });
    expect(events[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(events[1]).toMatchObject({ reason: 'inside_window', latencyMs: null });
  });

  it('a later attempt of the same task gets the answer of a call its dead predecessor made, without calling again', async () => {
    const a = `acct-${randomUUID()}`;
    let calls = 0;
    const fn = async () => ({ call: ++calls, id: 'reply-7' });
    // Attempt 1 engages and its worker dies before the task is recorded; Temporal runs attempt 2.
    const first = await runningTask(db, a, randomUUID(), 1);
    expect(await engage(scope(a, first), 'user:5', 'reply', fn)).toEqual({ call: 1, id: 'reply-7' });
    const second = { taskId: first.taskId, lease: { fencingToken: first.lease.fencingToken, activityAttempt: 2 } };
    expect((await startAttempt(db, first.taskId, second.lease, view(a, first.lease.fencingToken + 1))).kind).toBe('started');
    expect(await engage(scope(a, second), 'user:5', 'reply', fn)).toEqual({ call: 1, id: 'reply-7' });
    expect(calls).toBe(1);
    // Another task inside the window is still a dedupe hit.
    const other = await runningTask(db, a);
    await expect(engage(scope(a, other), 'user:5', 'reply', fn)).rejects.toBeInstanceOf(DedupeHitError);
    expect((await eventsOf(a, 'user:5')).map((e) => [e.status, e.reason, e.taskId])).toEqual([
      ['success', null, first.taskId],
      ['dedupe_hit', 'done_by_earlier_attempt', first.taskId],
      ['dedupe_hit', 'inside_window', other.taskId],
    ]);
  });

  it('records failures with their status and frees the target for the next try', async () => {
    const a = `acct-${randomUUID()}`;
    const one = await runningTask(db, a);
    await expect(engage(scope(a, one), 'post:9', 'comment', async () => {
      throw new TransientError('socket hang up');
    })).rejects.toThrow('socket hang up');
    await expect(engage(scope(a, one), 'post:9', 'comment', async () => {
      throw new PermanentError('forbidden', 'forbidden');
    })).rejects.toThrow('forbidden');
    const final = scope(a, one, { describeError: (err) => describeEngageError(err, { finalAttempt: true, errorRules: DEFAULT_MESSAGE_RULES, aborted: null }) });
    await expect(engage(final, 'post:9', 'comment', async () => {
      throw new Error('ETIMEDOUT');
    })).rejects.toThrow('ETIMEDOUT');
    expect(await engage(scope(a, one), 'post:9', 'comment', async () => 'ok')).toBe('ok');
    const events = await eventsOf(a);
    expect(events.map((e) => [e.status, e.reason])).toEqual([
      ['retry', 'transient_error'],
      ['failed', 'forbidden'],
      ['failed', 'attempts_exhausted'],
      ['success', null],
    ]);
    expect(events[0]!.metadata).toEqual({ error: 'socket hang up' });
    expect((await latestOf(a, 'post:9', 'comment'))?.status).toBe('success');
  });

  it('refuses a target or action it cannot store, as a permanent error', async () => {
    const a = `acct-${randomUUID()}`;
    const task = await runningTask(db, a);
    for (const [target, action] of [['', 'follow'], ['x', ''], ['x'.repeat(513), 'follow'], ['nul\u0000', 'follow']]) {
      await expect(engage(scope(a, task), target!, action!, async () => 'never')).rejects.toBeInstanceOf(PermanentError);
    }
    expect(await eventsOf(a)).toEqual([]);
  });

  it('two engagements of one (account, target, action) at once: exactly one success', async () => {
    const a = `acct-${randomUUID()}`;
    for (let round = 0; round < 8; round++) {
      const target = `race-${round}`;
      const tasks = await Promise.all([runningTask(db, a), runningTask(db, a), runningTask(db, a)]);
      let calls = 0;
      const results = await Promise.allSettled(tasks.map((task) => engage(scope(a, task), target, 'follow', async () => {
        calls++;
        await sleep(50);
        return 'done';
      })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof DedupeHitError)).toHaveLength(2);
      expect(calls).toBe(1);
      const events = await eventsOf(a, target);
      expect(events.filter((e) => e.status === 'success')).toHaveLength(1);
      expect(events.filter((e) => e.status === 'dedupe_hit')).toHaveLength(2);
    }
  });

  it('many concurrent claims in separate transactions: one wins', async () => {
    const key = { accountId: `acct-${randomUUID()}`, target: 'hot', action: 'follow' };
    const claims = await Promise.all(Array.from({ length: 24 }, (_, i) => db.transaction((tx) => claimInteraction(tx, key, `task-${i}`, 10_000))));
    expect(claims.filter((c) => c !== null)).toHaveLength(1);
  });

  it('a stale attempt neither calls fn nor records; one that loses its lease mid-call records nothing', async () => {
    const a = `acct-${randomUUID()}`;
    const taskId = randomUUID();
    const old = await runningTask(db, a, taskId, 1);
    const newer = { taskId, lease: { fencingToken: old.lease.fencingToken, activityAttempt: 2 } };
    let calls = 0;
    // Lease lost during the call: Temporal started attempt 2 while attempt 1 still ran.
    const lost = engage(scope(a, old), 'u', 'follow', async () => {
      calls++;
      await startAttempt(db, taskId, newer.lease, view(a, token++));
      return 'late';
    });
    await expect(lost).rejects.toBeInstanceOf(StaleAttemptError);
    expect(await eventsOf(a)).toEqual([]);
    // The stale attempt 1 may not start another call.
    await expect(engage(scope(a, old), 'u', 'follow', async () => ++calls)).rejects.toBeInstanceOf(StaleAttemptError);
    expect(calls).toBe(1);
    // Attempt 2 of the same task takes over the claim attempt 1 left behind.
    expect(await engage(scope(a, newer), 'u', 'follow', async () => 'again')).toBe('again');
    expect((await eventsOf(a)).map((e) => e.status)).toEqual(['success']);
  });

  it('a task cancelled during the call records nothing and frees the target at once', async () => {
    const a = `acct-${randomUUID()}`;
    const task = await runningTask(db, a);
    const cancelled = engage(scope(a, task), 'v', 'follow', async () => {
      await recordAccount(db, { accountId: a, projection: null, records: [{ kind: 'cancelled', taskId: task.taskId, reason: 'test' }] });
      return 'too late';
    });
    await expect(cancelled).rejects.toBeInstanceOf(StaleAttemptError);
    expect((await latestOf(a, 'v', 'follow'))?.status).toBe('released');
    const next = await runningTask(db, a);
    expect(await engage(scope(a, next), 'v', 'follow', async () => 'free')).toBe('free');
    expect((await eventsOf(a)).map((e) => [e.status, e.taskId])).toEqual([['success', next.taskId]]);
  });

  it("a crashed worker's claim blocks the target only until it expires", async () => {
    const a = `acct-${randomUUID()}`;
    const key = { accountId: a, target: 'x', action: 'follow' };
    expect(await claimInteraction(db, key, 'crashed-task', 400)).not.toBeNull();
    const next = await runningTask(db, a);
    const hit = await engage(scope(a, next), 'x', 'follow', async () => 'no').catch((e: unknown) => e);
    expect(hit).toBeInstanceOf(DedupeHitError);
    expect((await eventsOf(a))[0]).toMatchObject({ status: 'dedupe_hit', reason: 'engaged_by_another_task', metadata: { heldBy: 'crashed-task' } });
    await sleep(500);
    expect(await engage(scope(a, next), 'x', 'follow', async () => 'yes')).toBe('yes');
  });

  it('cleanup deletes expired windows and events past retention, and counts them', async () => {
    await db.delete(interactionEvents);
    await db.delete(interactionLatest);
    const settings = createSettingsStore(db, defaultSettings(loadConfig({})), 0);
    await settings.update({ eventRetentionDays: 1 });
    const now = Date.now();
    const day = 86_400_000;
    await db.insert(interactionLatest).values([
      { accountId: 'c', target: 'expired', action: 'a', status: 'success', expiresAt: new Date(now - 1000) },
      { accountId: 'c', target: 'live', action: 'a', status: 'success', expiresAt: new Date(now + day) },
      { accountId: 'c', target: 'failed', action: 'a', status: 'failed', expiresAt: null },
      { accountId: 'c', target: 'claimed', action: 'a', status: 'in_progress', expiresAt: new Date(now + 60_000) },
    ]);
    const ev = (ageMs: number) => ({ accountId: 'c', target: 't', action: 'a', status: 'success', ts: new Date(now - ageMs) });
    await db.insert(interactionEvents).values([ev(2 * day), ev(1.5 * day), ev(day + 60_000), ev(day - 60_000), ev(0)]);
    expect(await cleanupInteractions(db, settings, 2)).toEqual({ deleted: { latest: 2, events: 3 } });
    expect((await db.select().from(interactionLatest)).map((r) => r.target).sort()).toEqual(['claimed', 'live']);
    expect(await db.select().from(interactionEvents)).toHaveLength(2);
    expect(await cleanupInteractions(db, settings)).toEqual({ deleted: { latest: 0, events: 0 } });
  });
});
