/**
 * The pure account state machine, by example: no Temporal, no clock, no randomness — time (`nowMs`) and
 * jitter (`random` in [0,1)) are passed in, so every number below is exact.
 */
import { describe, expect, it } from 'vitest';
import {
  RECENT_IDS_LIMIT,
  applyOutcome,
  beginTask,
  cancelTask,
  checkSubmit,
  createAccountState,
  decide,
  dehydrate,
  endCooldown,
  enqueueTasks,
  hydrate,
  positionOf,
  rateLimitCooldownMs,
  resume,
  settle,
  startManualCooldown,
  stateName,
  suspend,
  view,
  waitingList,
  type AccountState,
} from '../../workflows/account-state';
import { exampleSettings, T0 } from '../helpers/engine-settings';
import type { EngineSettings, TaskOutcome, TaskSpec } from '../../workflows/types';

/** Millisecond settings so cooldowns are small exact numbers; a short queue so that its limit is reached. */
const SETTINGS: EngineSettings = exampleSettings({ maxQueuedPerAccount: 5 });
const FENCING_BASE = 5000;
/** `random` that cancels the jitter out: base × (1 + j × (2 × 0.5 − 1)) = base. */
const NO_JITTER = 0.5;

const spec = (taskId: string, extra: Partial<TaskSpec> = {}): TaskSpec => ({
  taskId, type: 'sleep', payload: { ms: 1 }, submittedAtMs: T0, ...extra,
});
const fresh = (s: Partial<EngineSettings> = {}): AccountState =>
  createAccountState('acct-1', { ...SETTINGS, ...s }, FENCING_BASE);
const ids = (st: AccountState): string[] => st.queue.map((t) => t.taskId);

const ok: TaskOutcome = { kind: 'succeeded' };
const fail: TaskOutcome = { kind: 'failed', error: { code: 'boom', message: 'it broke' } };
const rateLimited = (retryAfterMs?: number): TaskOutcome =>
  retryAfterMs === undefined ? { kind: 'rate_limited', message: 'slow down' } : { kind: 'rate_limited', message: 'slow down', retryAfterMs };

/** Starts whatever `decide` says to run (after `settle`, as the workflow does); returns its id. */
function startNext(st: AccountState, now = T0): string {
  settle(st, now);
  const d = decide(st, now);
  if (d.kind !== 'run') throw new Error(`expected run, got ${JSON.stringify(d)}`);
  beginTask(st, d.taskId, now);
  return d.taskId;
}

/** Runs every queued task to success, returning the start order. */
function drain(st: AccountState, now = T0): string[] {
  const order: string[] = [];
  while (st.queue.length > 0) {
    order.push(startNext(st, now));
    applyOutcome(st, ok, now, NO_JITTER);
  }
  return order;
}

/** Cooldown the last outcome set, relative to `now`. */
const cooldownLength = (st: AccountState, now: number): number => st.cooldown!.untilMs - now;

describe('queue order', () => {
  it('is FIFO within one priority and answers positions 0..n-1', () => {
    const st = fresh();
    const r = enqueueTasks(st, [spec('t1'), spec('t2'), spec('t3')], T0);
    expect(r).toEqual([
      { taskId: 't1', status: 'queued', position: 0 },
      { taskId: 't2', status: 'queued', position: 1 },
      { taskId: 't3', status: 'queued', position: 2 },
    ]);
    expect(enqueueTasks(st, [spec('t4')], T0)).toEqual([{ taskId: 't4', status: 'queued', position: 3 }]);
    expect(ids(st)).toEqual(['t1', 't2', 't3', 't4']);
    expect(waitingList(st, T0).map((w) => [w.taskId, w.position])).toEqual([['t1', 0], ['t2', 1], ['t3', 2], ['t4', 3]]);
    expect(['t1', 't2', 't3', 't4'].map((id) => positionOf(st, id))).toEqual([0, 1, 2, 3]);
    expect(positionOf(st, 'nope')).toBeNull();
    expect(drain(st)).toEqual(['t1', 't2', 't3', 't4']);
  });

  it('runs higher priorities first and keeps FIFO inside each priority', () => {
    const st = fresh({ maxQueuedPerAccount: 10 });
    const r = enqueueTasks(st, [
      spec('low1'), spec('hi1', { priority: 5 }), spec('low2'), spec('hi2', { priority: 5 }),
      spec('mid', { priority: 1 }), spec('neg', { priority: -3 }), spec('low3', { priority: 0 }),
    ], T0);
    // Each answer is the position at the moment the task joined.
    expect(r.map((x) => (x.status === 'queued' ? x.position : null))).toEqual([0, 0, 2, 1, 2, 5, 5]);
    expect(ids(st)).toEqual(['hi1', 'hi2', 'mid', 'low1', 'low2', 'low3', 'neg']);
    expect(waitingList(st, T0).map((w) => w.position)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(waitingList(st, T0).map((w) => w.priority)).toEqual([5, 5, 1, 0, 0, 0, -3]);
    expect(drain(st)).toEqual(['hi1', 'hi2', 'mid', 'low1', 'low2', 'low3', 'neg']);
  });

  it('lets a higher priority that arrives later overtake the waiting tasks, but not the running one', () => {
    const st = fresh();
    enqueueTasks(st, [spec('a'), spec('b')], T0);
    expect(startNext(st)).toBe('a');
    expect(enqueueTasks(st, [spec('urgent', { priority: 2 })], T0)).toEqual([{ taskId: 'urgent', status: 'queued', position: 0 }]);
    expect(st.running!.task.taskId).toBe('a');
    applyOutcome(st, ok, T0, NO_JITTER);
    expect(drain(st)).toEqual(['urgent', 'b']);
  });

  it('records when a task was enqueued: its submission time, never later than now', () => {
    const st = fresh();
    enqueueTasks(st, [spec('past', { submittedAtMs: T0 - 500 }), spec('future', { submittedAtMs: T0 + 500 })], T0);
    expect(st.queue.map((t) => t.enqueuedAtMs)).toEqual([T0 - 500, T0]);
    expect(waitingList(st, T0)[0]!.enqueuedAt).toBe(new Date(T0 - 500).toISOString());
  });

  it('answers a known task id with duplicate and never enqueues it twice', () => {
    const st = fresh();
    // Twice in one batch: the second is the duplicate.
    expect(enqueueTasks(st, [spec('t1'), spec('t1', { priority: 9 })], T0)).toEqual([
      { taskId: 't1', status: 'queued', position: 0 },
      { taskId: 't1', status: 'duplicate' },
    ]);
    const version = st.version;
    // Again while queued: nothing changes, not even the version.
    expect(enqueueTasks(st, [spec('t1')], T0)).toEqual([{ taskId: 't1', status: 'duplicate' }]);
    expect(st.version).toBe(version);
    expect(ids(st)).toEqual(['t1']);
    expect(st.queue[0]!.priority).toBe(0);
    // While it runs, and after it finished.
    startNext(st);
    expect(enqueueTasks(st, [spec('t1')], T0)).toEqual([{ taskId: 't1', status: 'duplicate' }]);
    expect(st.queue).toHaveLength(0);
    applyOutcome(st, ok, T0 + 10, NO_JITTER);
    expect(enqueueTasks(st, [spec('t1')], T0 + 20)).toEqual([{ taskId: 't1', status: 'duplicate' }]);
    expect(st.queue).toHaveLength(0);
    expect(decide(st, T0 + 20)).toEqual({ kind: 'idle' });
  });
});

describe('dedupe keys', () => {
  it('answers already_queued while the owner waits, already_running while it runs, and frees the key when it ends', () => {
    const st = fresh();
    enqueueTasks(st, [spec('t1', { dedupeKey: 'k' }), spec('other', { dedupeKey: 'k2' })], T0);
    expect(checkSubmit(st, spec('t2', { dedupeKey: 'k' }))).toEqual({ code: 'already_queued', existingTaskId: 't1' });
    expect(enqueueTasks(st, [spec('t2', { dedupeKey: 'k' })], T0)).toEqual([
      { taskId: 't2', status: 'deduplicated', code: 'already_queued', existingTaskId: 't1' },
    ]);
    expect(ids(st)).toEqual(['t1', 'other']);

    expect(startNext(st)).toBe('t1');
    expect(checkSubmit(st, spec('t3', { dedupeKey: 'k' }))).toEqual({ code: 'already_running', existingTaskId: 't1' });
    expect(enqueueTasks(st, [spec('t3', { dedupeKey: 'k' })], T0)).toEqual([
      { taskId: 't3', status: 'deduplicated', code: 'already_running', existingTaskId: 't1' },
    ]);
    expect(ids(st)).toEqual(['other']);

    applyOutcome(st, ok, T0 + 5, NO_JITTER);
    expect(checkSubmit(st, spec('t4', { dedupeKey: 'k' }))).toBeNull();
    expect(enqueueTasks(st, [spec('t4', { dedupeKey: 'k' })], T0 + 5)).toEqual([{ taskId: 't4', status: 'queued', position: 1 }]);
    expect(ids(st)).toEqual(['other', 't4']);
  });

  it('deduplicates within one batch and frees the key of a cancelled task', () => {
    const st = fresh();
    expect(enqueueTasks(st, [spec('a', { dedupeKey: 'k' }), spec('b', { dedupeKey: 'k' })], T0)).toEqual([
      { taskId: 'a', status: 'queued', position: 0 },
      { taskId: 'b', status: 'deduplicated', code: 'already_queued', existingTaskId: 'a' },
    ]);
    expect(cancelTask(st, 'a')).toBe('removed');
    expect(enqueueTasks(st, [spec('c', { dedupeKey: 'k' })], T0)[0]).toEqual({ taskId: 'c', status: 'queued', position: 0 });
  });

  it('keeps the key of a rate-limited task taken: it is queued again', () => {
    const st = fresh();
    enqueueTasks(st, [spec('a', { dedupeKey: 'k' })], T0);
    startNext(st);
    applyOutcome(st, rateLimited(), T0, NO_JITTER);
    expect(checkSubmit(st, spec('b', { dedupeKey: 'k' }))).toEqual({ code: 'already_queued', existingTaskId: 'a' });
  });

  it('checkSubmit answers like enqueueTasks would, without changing anything', () => {
    const st = fresh({ maxQueuedPerAccount: 2 });
    enqueueTasks(st, [spec('a', { dedupeKey: 'k' })], T0);
    const before = JSON.stringify(dehydrate(st));
    const seenBefore = [...st.seen];
    expect(checkSubmit(st, spec('x', { dedupeKey: 'k' }))).toEqual({ code: 'already_queued', existingTaskId: 'a' });
    expect(checkSubmit(st, spec('y'))).toBeNull();
    expect(checkSubmit(st, spec('a'))).toBeNull(); // a known id is answered with its position, not refused
    expect(JSON.stringify(dehydrate(st))).toBe(before);
    expect([...st.seen]).toEqual(seenBefore);
    // The ids it was asked about are still new: enqueueing them is not a duplicate.
    expect(enqueueTasks(st, [spec('y')], T0)).toEqual([{ taskId: 'y', status: 'queued', position: 1 }]);
    expect(checkSubmit(st, spec('z'))).toEqual({ code: 'queue_full', limit: 2 });
    expect(enqueueTasks(st, [spec('z')], T0)).toEqual([{ taskId: 'z', status: 'rejected', code: 'queue_full', limit: 2 }]);
  });
});

describe('queue limit', () => {
  it('rejects with queue_full once maxQueuedPerAccount tasks wait; the running task does not count', () => {
    const st = fresh({ maxQueuedPerAccount: 3 });
    const r = enqueueTasks(st, ['a', 'b', 'c', 'd'].map((i) => spec(i)), T0);
    expect(r.map((x) => x.status)).toEqual(['queued', 'queued', 'queued', 'rejected']);
    expect(r[3]).toEqual({ taskId: 'd', status: 'rejected', code: 'queue_full', limit: 3 });
    expect(ids(st)).toEqual(['a', 'b', 'c']);
    expect(checkSubmit(st, spec('e'))).toEqual({ code: 'queue_full', limit: 3 });
    startNext(st);
    expect(checkSubmit(st, spec('e'))).toBeNull();
    expect(enqueueTasks(st, [spec('e')], T0)).toEqual([{ taskId: 'e', status: 'queued', position: 2 }]);
    expect(enqueueTasks(st, [spec('f')], T0)[0]!.status).toBe('rejected');
    expect(st.queue).toHaveLength(3);
  });
});

describe('cancelTask', () => {
  it('removes a queued task, reports the running one, and knows nothing of other ids', () => {
    const st = fresh();
    enqueueTasks(st, [spec('t1'), spec('t2'), spec('t3')], T0);
    startNext(st);
    const version = st.version;
    expect(cancelTask(st, 't2')).toBe('removed');
    expect(st.version).toBeGreaterThan(version);
    expect(ids(st)).toEqual(['t3']);
    expect(positionOf(st, 't3')).toBe(0);
    expect(cancelTask(st, 't2')).toBe('unknown'); // already gone
    expect(cancelTask(st, 't1')).toBe('running');
    expect(st.running!.task.taskId).toBe('t1'); // the driver cancels it; the slot stays taken until the outcome
    expect(cancelTask(st, 'nope')).toBe('unknown');
    expect(applyOutcome(st, { kind: 'cancelled' }, T0 + 1, NO_JITTER)).toEqual({ taskId: 't1', status: 'cancelled' });
    expect(st.running).toBeNull();
    expect(cancelTask(st, 't1')).toBe('unknown');
    expect(ids(st)).toEqual(['t3']);
  });
});

describe('decide', () => {
  it('is idle with nothing queued and runs the head otherwise', () => {
    const st = fresh();
    expect(decide(st, T0)).toEqual({ kind: 'idle' });
    enqueueTasks(st, [spec('t1'), spec('t2')], T0);
    expect(decide(st, T0)).toEqual({ kind: 'run', taskId: 't1' });
    expect(decide(st, T0)).toEqual({ kind: 'run', taskId: 't1' }); // deciding changes nothing
    expect(ids(st)).toEqual(['t1', 't2']);
  });

  it('waits while a task runs', () => {
    const st = fresh();
    enqueueTasks(st, [spec('t1'), spec('t2')], T0);
    beginTask(st, 't1', T0);
    expect(decide(st, T0)).toEqual({ kind: 'wait', untilMs: null, reason: 'account_busy' });
  });

  it('waits for the end of a cooldown, with its end time', () => {
    const st = fresh();
    enqueueTasks(st, [spec('t1')], T0);
    startManualCooldown(st, 500, 'maintenance window', T0);
    expect(decide(st, T0)).toEqual({ kind: 'wait', untilMs: T0 + 500, reason: 'account_cooldown' });
    expect(decide(st, T0 + 499)).toEqual({ kind: 'wait', untilMs: T0 + 500, reason: 'account_cooldown' });
    settle(st, T0 + 500);
    expect(decide(st, T0 + 500)).toEqual({ kind: 'run', taskId: 't1' });
  });

  it('waits without an end while suspended, even with a cooldown, until resumed', () => {
    const st = fresh();
    enqueueTasks(st, [spec('t1')], T0);
    startManualCooldown(st, 500, 'x', T0);
    suspend(st, 'operator', T0);
    expect(decide(st, T0)).toEqual({ kind: 'wait', untilMs: null, reason: 'account_suspended' });
    expect(decide(st, T0 + 10_000)).toEqual({ kind: 'wait', untilMs: null, reason: 'account_suspended' });
    resume(st);
    expect(decide(st, T0 + 10_000)).toEqual({ kind: 'run', taskId: 't1' });
  });

  it('skips a task scheduled for later in favour of an eligible one behind it', () => {
    const st = fresh();
    enqueueTasks(st, [spec('later', { runAfterMs: T0 + 1000 }), spec('now')], T0);
    expect(ids(st)).toEqual(['later', 'now']); // the queue order is kept
    expect(decide(st, T0)).toEqual({ kind: 'run', taskId: 'now' });
    expect(waitingList(st, T0).map((w) => [w.taskId, w.waitingReason])).toEqual([['later', 'scheduled'], ['now', 'account_busy']]);
    expect(waitingList(st, T0)[0]!.runAfter).toBe(new Date(T0 + 1000).toISOString());
    beginTask(st, 'now', T0);
    applyOutcome(st, ok, T0 + 1, NO_JITTER);
    expect(decide(st, T0 + 2)).toEqual({ kind: 'wait', untilMs: T0 + 1000, reason: 'scheduled' });
    expect(decide(st, T0 + 1000)).toEqual({ kind: 'run', taskId: 'later' });
  });

  it('waits for the earliest runAfter when every task is scheduled, whatever their queue order', () => {
    const st = fresh();
    enqueueTasks(st, [spec('b', { runAfterMs: T0 + 2000 }), spec('a', { runAfterMs: T0 + 700, priority: -1 }), spec('c', { runAfterMs: T0 + 1500 })], T0);
    expect(decide(st, T0)).toEqual({ kind: 'wait', untilMs: T0 + 700, reason: 'scheduled' });
    expect(decide(st, T0 + 700)).toEqual({ kind: 'run', taskId: 'a' });
    expect(decide(st, T0 + 2000)).toEqual({ kind: 'run', taskId: 'b' });
  });
});

describe('beginTask', () => {
  it('refuses a second running task', () => {
    const st = fresh();
    enqueueTasks(st, [spec('t1'), spec('t2')], T0);
    beginTask(st, 't1', T0);
    expect(() => beginTask(st, 't2', T0)).toThrow(/already runs t1/);
    expect(st.running!.task.taskId).toBe('t1');
    expect(ids(st)).toEqual(['t2']); // the refused task stays queued
  });

  it('refuses a task that is not queued', () => {
    const st = fresh();
    expect(() => beginTask(st, 'ghost', T0)).toThrow(/not queued/);
    expect(st.running).toBeNull();
  });

  it('hands out strictly increasing fencing tokens, from the fencing base on', () => {
    const st = fresh({ maxQueuedPerAccount: 10 });
    enqueueTasks(st, ['a', 'b', 'c', 'd'].map((i) => spec(i)), T0);
    const tokens: number[] = [];
    const outcomes: TaskOutcome[] = [ok, fail, { kind: 'cancelled' }, { kind: 'skipped', reason: 'gone' }];
    for (const outcome of outcomes) {
      const id = decide(st, T0);
      if (id.kind !== 'run') throw new Error('expected run');
      tokens.push(beginTask(st, id.taskId, T0).fencingToken);
      applyOutcome(st, outcome, T0, NO_JITTER);
    }
    expect(tokens[0]).toBe(FENCING_BASE);
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]!).toBeGreaterThan(tokens[i - 1]!);
    expect(st.tasksStarted).toBe(4);
  });

  it('returns the running task with its start time and puts it in the single slot', () => {
    const st = fresh();
    enqueueTasks(st, [spec('t1', { dedupeKey: 'k' })], T0);
    const r = beginTask(st, 't1', T0 + 42);
    expect(r).toMatchObject({ fencingToken: FENCING_BASE, startedAtMs: T0 + 42, task: { taskId: 't1', dedupeKey: 'k', attempts: 1 } });
    expect(st.running).toBe(r);
    expect(st.queue).toHaveLength(0);
  });
});

describe('applyOutcome', () => {
  it('needs a running task', () => {
    expect(() => applyOutcome(fresh(), ok, T0, NO_JITTER)).toThrow(/no running task/);
  });

  it('ends the task with the status of its outcome and frees the slot', () => {
    const cases: [TaskOutcome, string][] = [
      [ok, 'succeeded'], [fail, 'failed'], [{ kind: 'skipped', reason: 'gone' }, 'skipped'], [{ kind: 'cancelled' }, 'cancelled'],
    ];
    for (const [outcome, status] of cases) {
      const st = fresh();
      enqueueTasks(st, [spec('t1')], T0);
      startNext(st);
      const effect = applyOutcome(st, outcome, T0 + 1, NO_JITTER);
      expect(effect).toEqual({ taskId: 't1', status });
      expect(st.running).toBeNull();
      expect(st.queue).toHaveLength(0);
      expect(st.cooldown).toBeNull();
    }
  });

  it('puts a rate-limited task back at the head of its priority, before the tasks queued behind it', () => {
    const st = fresh({ maxQueuedPerAccount: 10 });
    enqueueTasks(st, [spec('a'), spec('b'), spec('lo', { priority: -1 })], T0);
    expect(startNext(st)).toBe('a');
    // While it runs, more arrive: one of the same priority, one higher.
    enqueueTasks(st, [spec('c'), spec('hi', { priority: 3 })], T0);
    const effect = applyOutcome(st, rateLimited(), T0, NO_JITTER);
    expect(effect.status).toBe('queued');
    expect(effect.taskId).toBe('a');
    expect(ids(st)).toEqual(['hi', 'a', 'b', 'c', 'lo']);
    expect(st.queue[1]!.attempts).toBe(1);
    expect(waitingList(st, T0).map((w) => w.position)).toEqual([0, 1, 2, 3, 4]);
    expect(drain(st, T0 + 100)).toEqual(['hi', 'a', 'b', 'c', 'lo']);
  });

  it('counts consecutive rate limits and cools down by the backoff step, then the long cooldown', () => {
    // Steps 100, 200, 400 ms; the 4th consecutive rate limit and later ones get the long cooldown.
    const st = fresh({ breakerFailureThreshold: 100 });
    enqueueTasks(st, [spec('t1'), spec('t2')], T0);
    const waits: number[] = [];
    let now = T0;
    for (let i = 1; i <= 5; i++) {
      expect(startNext(st, now)).toBe('t1');
      const effect = applyOutcome(st, rateLimited(), now, NO_JITTER);
      expect(st.consecutiveRateLimits).toBe(i);
      expect(effect.cooldown).toEqual(st.cooldown);
      expect(effect.cooldown!.source).toBe('rate_limit');
      waits.push(cooldownLength(st, now));
      expect(decide(st, now)).toEqual({ kind: 'wait', untilMs: now + waits[i - 1]!, reason: 'account_cooldown' });
      now = st.cooldown!.untilMs;
    }
    expect(waits).toEqual([100, 200, 400, 10_000, 10_000]);
    expect(st.cooldown!.reason).toBe('long cooldown 10 s after rate limit #5: slow down');
  });

  it('describes the cooldown it sets', () => {
    const st = fresh();
    enqueueTasks(st, [spec('t1')], T0);
    startNext(st);
    applyOutcome(st, rateLimited(), T0, NO_JITTER);
    expect(st.cooldown).toEqual({ untilMs: T0 + 100, source: 'rate_limit', reason: 'cooldown 0.10 s after rate limit #1: slow down' });
  });

  it('repeats the last step until the long cooldown applies', () => {
    const st = fresh({ rateLimitBackoffMs: [100, 200], cooldownAfterConsecutiveRateLimits: 10, breakerFailureThreshold: 100 });
    enqueueTasks(st, [spec('t1')], T0);
    const waits: number[] = [];
    let now = T0;
    for (let i = 0; i < 4; i++) {
      startNext(st, now);
      applyOutcome(st, rateLimited(), now, NO_JITTER);
      waits.push(cooldownLength(st, now));
      now = st.cooldown!.untilMs;
    }
    expect(waits).toEqual([100, 200, 200, 200]);
  });

  it('resets the rate-limit count on success, so the next rate limit starts again at the first step', () => {
    const st = fresh({ breakerFailureThreshold: 100 });
    enqueueTasks(st, [spec('t1'), spec('t2')], T0);
    let now = T0;
    for (let i = 0; i < 2; i++) {
      startNext(st, now);
      applyOutcome(st, rateLimited(), now, NO_JITTER);
      now = st.cooldown!.untilMs;
    }
    expect(st.consecutiveRateLimits).toBe(2);
    expect(startNext(st, now)).toBe('t1');
    applyOutcome(st, ok, now + 1, NO_JITTER);
    expect(st.consecutiveRateLimits).toBe(0);
    expect(startNext(st, now + 2)).toBe('t2');
    applyOutcome(st, rateLimited(), now + 2, NO_JITTER);
    expect(st.consecutiveRateLimits).toBe(1);
    expect(cooldownLength(st, now + 2)).toBe(100);
  });

  it('jitters the cooldown within ±backoffJitter of the step', () => {
    const cooldownWith = (random: number, consecutive = 1): number => {
      const st = fresh({ breakerFailureThreshold: 100 });
      enqueueTasks(st, [spec('t1')], T0);
      let now = T0;
      for (let i = 0; i < consecutive; i++) {
        startNext(st, now);
        applyOutcome(st, rateLimited(), now, random);
        if (i < consecutive - 1) now = st.cooldown!.untilMs;
      }
      return cooldownLength(st, now);
    };
    expect(cooldownWith(0)).toBe(75); // base × (1 − 0.25)
    expect(cooldownWith(0.999_999_9)).toBe(125); // base × (1 + 0.25), rounded
    expect(cooldownWith(0.5)).toBe(100);
    expect(cooldownWith(0.25)).toBe(88); // 100 × 0.875 = 87.5, rounded
    expect(cooldownWith(0, 2)).toBe(150);
    expect(cooldownWith(0.999_999_9, 3)).toBe(500);
    expect(cooldownWith(0, 4)).toBe(7500); // the long cooldown is jittered too
    for (let r = 0; r < 1; r += 0.01) {
      const ms = cooldownWith(r, 2);
      expect(ms).toBeGreaterThanOrEqual(150);
      expect(ms).toBeLessThanOrEqual(250);
    }
    // Without jitter every random gives the step.
    expect(rateLimitCooldownMs({ ...SETTINGS, backoffJitter: 0 }, 2, 0)).toBe(200);
    expect(rateLimitCooldownMs({ ...SETTINGS, backoffJitter: 0 }, 2, 0.99)).toBe(200);
  });

  it('never cools down for less than the Retry-After the handler reported', () => {
    const st = fresh({ breakerFailureThreshold: 100 });
    enqueueTasks(st, [spec('t1')], T0);
    startNext(st);
    applyOutcome(st, rateLimited(5000), T0, 0);
    expect(cooldownLength(st, T0)).toBe(5000);
    expect(st.cooldown!.reason).toBe('cooldown 5 s after rate limit #1: slow down');
    // A Retry-After below the step changes nothing.
    startNext(st, T0 + 5000);
    applyOutcome(st, rateLimited(10), T0 + 5000, NO_JITTER);
    expect(cooldownLength(st, T0 + 5000)).toBe(200);
    expect(rateLimitCooldownMs(SETTINGS, 1, 0.999, 126)).toBe(126);
    expect(rateLimitCooldownMs(SETTINGS, 4, 0, 9000)).toBe(9000);
  });

  it('counts every start of a task in attempts, re-runs after a cooldown included', () => {
    const st = fresh({ breakerFailureThreshold: 100 });
    enqueueTasks(st, [spec('t1')], T0);
    let now = T0;
    for (let i = 1; i <= 3; i++) {
      const r = beginTask(st, 't1', now);
      expect(r.task.attempts).toBe(i);
      applyOutcome(st, rateLimited(), now, NO_JITTER);
      expect(st.queue[0]!.attempts).toBe(i);
      now = st.cooldown!.untilMs;
      settle(st, now);
    }
    expect(beginTask(st, 't1', now).task.attempts).toBe(4);
  });

  it('keeps a manual cooldown set while the task ran when that task comes back rate limited', () => {
    // An operator pauses the account for a minute while t1 runs; t1 then answers 429 (100 ms backoff).
    // The breaker never shortens a longer cooldown already in force; a rate limit should not either.
    const st = fresh();
    enqueueTasks(st, [spec('t1'), spec('t2')], T0);
    startNext(st);
    startManualCooldown(st, 60_000, 'operator pause', T0 + 10);
    applyOutcome(st, rateLimited(), T0 + 20, NO_JITTER);
    expect(st.cooldown!.untilMs).toBeGreaterThanOrEqual(T0 + 10 + 60_000);
    settle(st, T0 + 1000);
    expect(decide(st, T0 + 1000)).toMatchObject({ kind: 'wait', reason: 'account_cooldown' });
  });

  it('shows the rate limit, not an operator cooldown ending at the same moment, as the cause', () => {
    // Found by the property test: a manual cooldown that ends exactly when the new rate-limit cooldown
    // would end kept its 'manual' reason, so the account showed an expired pause instead of the 429.
    const st = fresh({ rateLimitBackoffMs: [100, 200], backoffJitter: 0 });
    enqueueTasks(st, [spec('t1')], T0);
    startNext(st);
    startManualCooldown(st, 100, 'operator pause', T0);
    applyOutcome(st, rateLimited(), T0, NO_JITTER);
    expect(st.cooldown).toMatchObject({ untilMs: T0 + 100, source: 'rate_limit' });
  });
});

describe('settle', () => {
  it('clears a cooldown once its time has come, not before', () => {
    const st = fresh();
    enqueueTasks(st, [spec('t1')], T0);
    startNext(st);
    applyOutcome(st, rateLimited(), T0, NO_JITTER);
    settle(st, T0 + 99);
    expect(st.cooldown).not.toBeNull();
    expect(stateName(st, T0 + 99)).toBe('COOLDOWN');
    const version = st.version;
    settle(st, T0 + 100);
    expect(st.cooldown).toBeNull();
    expect(st.version).toBe(version + 1);
    expect(stateName(st, T0 + 100)).toBe('AVAILABLE');
    settle(st, T0 + 200); // nothing left to clear: no change
    expect(st.version).toBe(version + 1);
  });

  it('ends a cooldown early on request', () => {
    const st = fresh();
    enqueueTasks(st, [spec('t1')], T0);
    startManualCooldown(st, 10_000, 'x', T0);
    endCooldown(st, T0 + 1);
    expect(st.cooldown).toBeNull();
    expect(decide(st, T0 + 1)).toEqual({ kind: 'run', taskId: 't1' });
  });
});

describe('stateName', () => {
  it('names each state, suspended first, then running, then cooling down, else available', () => {
    const st = fresh();
    expect(stateName(st, T0)).toBe('AVAILABLE');
    enqueueTasks(st, [spec('t1'), spec('t2')], T0);
    expect(stateName(st, T0)).toBe('AVAILABLE');
    startNext(st);
    expect(stateName(st, T0)).toBe('RUNNING');
    applyOutcome(st, rateLimited(), T0, NO_JITTER);
    expect(stateName(st, T0 + 50)).toBe('COOLDOWN');
    expect(stateName(st, T0 + 100)).toBe('AVAILABLE'); // an expired cooldown no longer counts, settled or not
    suspend(st, 'why not', T0 + 50);
    expect(stateName(st, T0 + 50)).toBe('SUSPENDED');
    resume(st);
    expect(stateName(st, T0 + 50)).toBe('COOLDOWN');
    settle(st, T0 + 100);
    startNext(st, T0 + 100);
    expect(stateName(st, T0 + 100)).toBe('RUNNING');
    startManualCooldown(st, 1000, 'x', T0 + 100);
    expect(stateName(st, T0 + 100)).toBe('RUNNING');
    suspend(st, 'x', T0 + 100);
    expect(stateName(st, T0 + 100)).toBe('SUSPENDED');
    expect(view(st, T0 + 100, false)).toMatchObject({ state: 'SUSPENDED', runningTaskId: 't1', suspendedReason: 'x', queueLength: 1 });
  });
});

describe('waitingList', () => {
  /** An account that has learnt durations of 100, 300 and 200 ms (median 200). */
  function withHistory(s: Partial<EngineSettings> = {}): AccountState {
    const st = fresh({ maxQueuedPerAccount: 10, ...s });
    for (const [id, ms] of [['d1', 100], ['d2', 300], ['d3', 200]] as const) {
      enqueueTasks(st, [spec(id)], T0);
      startNext(st, T0);
      applyOutcome(st, ok, T0 + ms, NO_JITTER);
    }
    return st;
  }
  const etas = (st: AccountState, now: number): (number | null)[] =>
    waitingList(st, now).map((w) => (w.eta === undefined ? null : Date.parse(w.eta) - now));

  it('gives each reason: busy, cooldown, suspended, scheduled', () => {
    const st = fresh();
    enqueueTasks(st, [spec('run'), spec('w1'), spec('sched', { runAfterMs: T0 + 5000 })], T0);
    startNext(st);
    expect(waitingList(st, T0).map((w) => w.waitingReason)).toEqual(['account_busy', 'scheduled']);
    applyOutcome(st, rateLimited(), T0, NO_JITTER);
    expect(waitingList(st, T0).map((w) => w.waitingReason)).toEqual(['account_cooldown', 'account_cooldown', 'account_cooldown']);
    suspend(st, 'x', T0);
    expect(waitingList(st, T0).map((w) => w.waitingReason)).toEqual(['account_suspended', 'account_suspended', 'account_suspended']);
    resume(st);
    settle(st, T0 + 100);
    expect(waitingList(st, T0 + 100).map((w) => w.waitingReason)).toEqual(['account_busy', 'account_busy', 'scheduled']);
    expect(waitingList(st, T0 + 5000).map((w) => w.waitingReason)).toEqual(['account_busy', 'account_busy', 'account_busy']);
  });

  it('carries id, type, priority, enqueue time and runAfter', () => {
    const st = fresh();
    enqueueTasks(st, [spec('x', { type: 'webhook', priority: 2, runAfterMs: T0 + 10, submittedAtMs: T0 - 1 })], T0);
    expect(waitingList(st, T0)).toEqual([{
      taskId: 'x', type: 'webhook', position: 0, waitingReason: 'scheduled', priority: 2,
      enqueuedAt: new Date(T0 - 1).toISOString(), runAfter: new Date(T0 + 10).toISOString(), eta: new Date(T0 + 10).toISOString(),
    }]);
  });

  it('estimates each start as cooldown end + median duration × tasks ahead', () => {
    const st = withHistory();
    enqueueTasks(st, [spec('w1'), spec('w2'), spec('w3'), spec('w4')], T0);
    startManualCooldown(st, 1000, 'x', T0);
    expect(etas(st, T0)).toEqual([1000, 1200, 1400, 1600]);
    // Later into the cooldown the estimates stay put in absolute time.
    expect(etas(st, T0 + 400)).toEqual([600, 800, 1000, 1200]);
    // Without a cooldown the clock starts now.
    endCooldown(st, T0);
    expect(etas(st, T0)).toEqual([0, 200, 400, 600]);
  });

  it('uses the mean of the middle two for an even number of durations', () => {
    const st = fresh();
    for (const [id, ms] of [['d1', 100], ['d2', 300]] as const) {
      enqueueTasks(st, [spec(id)], T0);
      startNext(st, T0);
      applyOutcome(st, ok, T0 + ms, NO_JITTER);
    }
    enqueueTasks(st, [spec('w1'), spec('w2')], T0);
    startManualCooldown(st, 50, 'x', T0);
    expect(etas(st, T0)).toEqual([50, 250]);
  });

  it('counts what is left of the running task first', () => {
    const st = withHistory();
    enqueueTasks(st, [spec('r'), spec('w1'), spec('w2')], T0);
    startNext(st, T0);
    expect(etas(st, T0 + 50)).toEqual([150, 350]); // 200 − 50 left, then 200 each
    expect(etas(st, T0 + 500)).toEqual([0, 200]); // overdue: starts as soon as it ends
  });

  it('has no ETA while suspended', () => {
    const st = withHistory();
    enqueueTasks(st, [spec('w1'), spec('w2')], T0);
    suspend(st, 'x', T0);
    expect(etas(st, T0)).toEqual([null, null]);
  });

  it('knows only the head ETA before any task finished, and none while a task of unknown length runs', () => {
    const st = fresh();
    enqueueTasks(st, [spec('a'), spec('b'), spec('c')], T0);
    startManualCooldown(st, 300, 'x', T0);
    expect(etas(st, T0)).toEqual([300, null, null]);
    endCooldown(st, T0);
    startNext(st, T0);
    expect(etas(st, T0)).toEqual([null, null]);
  });

  it('waits for runAfter in the estimate of a scheduled head', () => {
    const st = withHistory();
    enqueueTasks(st, [spec('s', { runAfterMs: T0 + 5000 })], T0);
    expect(etas(st, T0)).toEqual([5000]);
  });

  it('estimates a task behind a scheduled one by when it will really start', () => {
    // decide runs `now` at once, skipping `later` (scheduled in 10 s), so its ETA is now, not after `later`.
    const st = withHistory();
    enqueueTasks(st, [spec('later', { runAfterMs: T0 + 10_000 }), spec('now')], T0);
    expect(decide(st, T0)).toEqual({ kind: 'run', taskId: 'now' });
    expect(etas(st, T0)[1]).toBe(0);
  });
});

describe('circuit breaker', () => {
  it('opens after breakerFailureThreshold consecutive failures, with a breaker cooldown', () => {
    const st = fresh({ breakerFailureThreshold: 3, maxQueuedPerAccount: 10 });
    enqueueTasks(st, ['a', 'b', 'c', 'd'].map((i) => spec(i)), T0);
    for (let i = 1; i <= 2; i++) {
      startNext(st);
      expect(applyOutcome(st, fail, T0, NO_JITTER).breakerChange).toBeUndefined();
      expect(st.consecutiveFailures).toBe(i);
      expect(st.breaker).toBe('closed');
    }
    startNext(st);
    const opened = applyOutcome(st, fail, T0 + 7, NO_JITTER);
    expect(opened.breakerChange).toEqual({ atMs: T0 + 7, from: 'closed', to: 'open', reason: '3 consecutive failures' });
    expect(opened.cooldown).toEqual({ untilMs: T0 + 7 + 100, source: 'breaker', reason: 'circuit open 0.10 s: 3 consecutive failures' });
    expect(st.breaker).toBe('open');
    expect(decide(st, T0 + 50)).toEqual({ kind: 'wait', untilMs: T0 + 107, reason: 'account_cooldown' });
    expect(view(st, T0 + 50, false)).toMatchObject({ breaker: 'open', state: 'COOLDOWN', consecutiveFailures: 3 });
  });

  it('counts rate limits as failures, and a success in between starts the count again', () => {
    const st = fresh({ breakerFailureThreshold: 2, maxQueuedPerAccount: 10, cooldownAfterConsecutiveRateLimits: 100 });
    enqueueTasks(st, ['a', 'b', 'c', 'd'].map((i) => spec(i)), T0);
    startNext(st);
    applyOutcome(st, fail, T0, NO_JITTER);
    startNext(st);
    applyOutcome(st, ok, T0, NO_JITTER);
    expect(st.consecutiveFailures).toBe(0);
    startNext(st);
    applyOutcome(st, fail, T0, NO_JITTER);
    expect(st.breaker).toBe('closed');
    startNext(st);
    const e = applyOutcome(st, rateLimited(), T0, NO_JITTER); // the 2nd failure in a row
    expect(e.breakerChange).toMatchObject({ from: 'closed', to: 'open' });
    expect(st.breaker).toBe('open');
  });

  it('never shortens a longer rate-limit cooldown when it opens', () => {
    const st = fresh({ breakerFailureThreshold: 1 });
    enqueueTasks(st, [spec('a')], T0);
    startNext(st);
    const e = applyOutcome(st, rateLimited(5000), T0, NO_JITTER);
    expect(e.breakerChange).toMatchObject({ to: 'open' });
    expect(st.cooldown).toMatchObject({ untilMs: T0 + 5000, source: 'rate_limit' });
  });

  it('probes after the cooldown (half open); a failed probe re-opens it for the next, longer step; a success closes it', () => {
    const st = fresh({ breakerFailureThreshold: 2, maxQueuedPerAccount: 10 });
    enqueueTasks(st, ['a', 'b', 'c', 'd', 'e', 'f'].map((i) => spec(i)), T0);
    startNext(st);
    applyOutcome(st, fail, T0, NO_JITTER);
    startNext(st);
    applyOutcome(st, fail, T0, NO_JITTER);
    expect(st.breaker).toBe('open');
    settle(st, T0 + 99);
    expect(st.breaker).toBe('open');
    settle(st, T0 + 100);
    expect(st.breaker).toBe('half_open');
    expect(st.cooldown).toBeNull();

    expect(startNext(st, T0 + 100)).toBe('c');
    const reopened = applyOutcome(st, fail, T0 + 100, NO_JITTER);
    expect(reopened.breakerChange).toMatchObject({ from: 'half_open', to: 'open', reason: 'probe failed' });
    expect(reopened.cooldown).toMatchObject({ source: 'breaker', untilMs: T0 + 100 + 200 });
    settle(st, T0 + 300);
    expect(startNext(st, T0 + 300)).toBe('d');
    applyOutcome(st, fail, T0 + 300, NO_JITTER);
    expect(cooldownLength(st, T0 + 300)).toBe(400); // the third opening: the third step

    settle(st, T0 + 700);
    expect(startNext(st, T0 + 700)).toBe('e');
    const closed = applyOutcome(st, ok, T0 + 701, NO_JITTER);
    expect(closed.breakerChange).toEqual({ atMs: T0 + 701, from: 'half_open', to: 'closed', reason: 'probe succeeded' });
    expect(st.breaker).toBe('closed');
    expect(st.consecutiveFailures).toBe(0);
    expect(st.cooldown).toBeNull();
    expect(decide(st, T0 + 701)).toEqual({ kind: 'run', taskId: 'f' });

    expect(st.breakerHistory).toEqual([
      { atMs: T0, from: 'closed', to: 'open', reason: '2 consecutive failures' },
      { atMs: T0 + 100, from: 'open', to: 'half_open', reason: 'cooldown over: next task is a probe' },
      { atMs: T0 + 100, from: 'half_open', to: 'open', reason: 'probe failed' },
      { atMs: T0 + 300, from: 'open', to: 'half_open', reason: 'cooldown over: next task is a probe' },
      { atMs: T0 + 300, from: 'half_open', to: 'open', reason: 'probe failed' },
      { atMs: T0 + 700, from: 'open', to: 'half_open', reason: 'cooldown over: next task is a probe' },
      { atMs: T0 + 701, from: 'half_open', to: 'closed', reason: 'probe succeeded' },
    ]);
    expect(view(st, T0 + 701, false).breakerHistory[0]).toEqual({ at: new Date(T0).toISOString(), from: 'closed', to: 'open', reason: '2 consecutive failures' });
  });

  it('starts again from the first step once closed', () => {
    const st = fresh({ breakerFailureThreshold: 1, maxQueuedPerAccount: 10 });
    enqueueTasks(st, ['a', 'b', 'c', 'd'].map((i) => spec(i)), T0);
    startNext(st);
    applyOutcome(st, fail, T0, NO_JITTER); // open, 100
    settle(st, T0 + 100);
    startNext(st, T0 + 100);
    applyOutcome(st, fail, T0 + 100, NO_JITTER); // re-open, 200
    settle(st, T0 + 300);
    startNext(st, T0 + 300);
    applyOutcome(st, ok, T0 + 300, NO_JITTER); // closed
    startNext(st, T0 + 300);
    applyOutcome(st, fail, T0 + 300, NO_JITTER); // open again: first step
    expect(st.cooldown).toMatchObject({ source: 'breaker', untilMs: T0 + 400 });
  });

  it('closes on a skipped probe (not the account fault) and ignores a cancelled one', () => {
    const st = fresh({ breakerFailureThreshold: 1, maxQueuedPerAccount: 10 });
    enqueueTasks(st, ['a', 'b', 'c'].map((i) => spec(i)), T0);
    startNext(st);
    applyOutcome(st, fail, T0, NO_JITTER);
    settle(st, T0 + 100);
    startNext(st, T0 + 100);
    expect(applyOutcome(st, { kind: 'cancelled' }, T0 + 100, NO_JITTER).breakerChange).toBeUndefined();
    expect(st.breaker).toBe('half_open');
    startNext(st, T0 + 100);
    expect(applyOutcome(st, { kind: 'skipped', reason: 'gone' }, T0 + 100, NO_JITTER).breakerChange).toMatchObject({ from: 'half_open', to: 'closed' });
  });

  it('moves an open breaker on to its probe when the cooldown is ended early', () => {
    const st = fresh({ breakerFailureThreshold: 1 });
    enqueueTasks(st, [spec('a'), spec('b')], T0);
    startNext(st);
    applyOutcome(st, fail, T0, NO_JITTER);
    endCooldown(st, T0 + 1);
    expect(st.breaker).toBe('half_open');
    expect(st.breakerHistory.at(-1)).toEqual({ atMs: T0 + 1, from: 'open', to: 'half_open', reason: 'cooldown ended early' });
    expect(decide(st, T0 + 1)).toEqual({ kind: 'run', taskId: 'b' });
  });
});

describe('continue-as-new (dehydrate → JSON → hydrate)', () => {
  const roundTrip = (st: AccountState): AccountState => hydrate(JSON.parse(JSON.stringify(dehydrate(st))));

  it('keeps the queue, counters, cooldown, breaker and dedupe of recent ids', () => {
    const st = fresh({ maxQueuedPerAccount: 10, breakerFailureThreshold: 2 });
    enqueueTasks(st, [spec('done'), spec('t1', { dedupeKey: 'k' }), spec('t2', { priority: 3, runAfterMs: T0 + 50 }), spec('t3', { payload: { deep: [1, { x: 'y' }] } })], T0);
    startNext(st);
    applyOutcome(st, fail, T0 + 30, NO_JITTER);
    startNext(st, T0 + 50);
    applyOutcome(st, rateLimited(), T0 + 60, NO_JITTER);
    suspend(st, 'night', T0 + 61);
    const before = view(st, T0 + 70, true);
    const again = roundTrip(st);

    expect(again.queue).toEqual(st.queue);
    expect(ids(again)).toEqual(['t2', 't1', 't3']);
    expect(again.queue[0]!.attempts).toBe(1);
    expect(again.cooldown).toEqual(st.cooldown);
    expect(again.suspended).toEqual({ reason: 'night', atMs: T0 + 61 });
    expect(again.consecutiveRateLimits).toBe(1);
    expect(again.consecutiveFailures).toBe(2);
    expect(again.breaker).toBe('open');
    expect(again.breakerOpenings).toBe(1);
    expect(again.breakerHistory).toEqual(st.breakerHistory);
    expect(again.recentDurationsMs).toEqual(st.recentDurationsMs);
    expect(again.nextFencingToken).toBe(st.nextFencingToken);
    expect(again.version).toBe(st.version);
    expect(again.recentIds).toEqual(['done', 't1', 't2', 't3']);
    expect(again.tasksStarted).toBe(0); // counts the tasks of one run only
    expect(view(again, T0 + 70, true)).toEqual({ ...before, tasksStarted: 0 });

    // Dedupe survives: finished, queued and dedupe-keyed tasks.
    expect(enqueueTasks(again, [spec('done'), spec('t1'), spec('t3')], T0 + 70).map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(checkSubmit(again, spec('t9', { dedupeKey: 'k' }))).toEqual({ code: 'already_queued', existingTaskId: 't1' });
    expect(again.queue).toHaveLength(3);

    // And it carries on: fencing tokens keep rising.
    resume(again);
    settle(again, T0 + 10_000);
    const token = beginTask(again, (decide(again, T0 + 10_000) as { taskId: string }).taskId, T0 + 10_000).fencingToken;
    expect(token).toBe(st.nextFencingToken);
    expect(token).toBeGreaterThan(FENCING_BASE + 1);
  });

  it('carries plain data only', () => {
    const st = fresh();
    enqueueTasks(st, [spec('a')], T0);
    const snapshot = dehydrate(st);
    expect(snapshot).not.toHaveProperty('seen');
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });
});

describe('recent ids', () => {
  it(`stay bounded by RECENT_IDS_LIMIT (${RECENT_IDS_LIMIT}); finished ids beyond it are forgotten, live ones are not`, () => {
    const st = fresh({ maxQueuedPerAccount: RECENT_IDS_LIMIT * 2 });
    enqueueTasks(st, [spec('finished'), spec('live')], T0);
    startNext(st);
    applyOutcome(st, ok, T0, NO_JITTER); // 'finished' is done, 'live' still waits
    const many = Array.from({ length: RECENT_IDS_LIMIT }, (_, i) => spec(`x${i}`));
    enqueueTasks(st, many, T0);
    expect(st.recentIds).toHaveLength(RECENT_IDS_LIMIT);
    expect(st.recentIds[0]).toBe('x0');
    expect(st.recentIds.at(-1)).toBe(`x${RECENT_IDS_LIMIT - 1}`);
    // The live task is still deduplicated; the finished one has aged out of the window.
    expect(enqueueTasks(st, [spec('live')], T0)).toEqual([{ taskId: 'live', status: 'duplicate' }]);
    expect(st.queue.filter((t) => t.taskId === 'live')).toHaveLength(1);
    expect(enqueueTasks(st, [spec('finished')], T0)[0]!.status).toBe('queued');
    expect(st.recentIds).toHaveLength(RECENT_IDS_LIMIT);
  });

  it('keep a live task beyond the window deduplicated across continue-as-new', () => {
    const st = fresh({ maxQueuedPerAccount: RECENT_IDS_LIMIT * 2 });
    enqueueTasks(st, [spec('live')], T0);
    enqueueTasks(st, Array.from({ length: RECENT_IDS_LIMIT }, (_, i) => spec(`x${i}`)), T0);
    expect(enqueueTasks(st, [spec('live')], T0)[0]!.status).toBe('duplicate');
    const again = hydrate(JSON.parse(JSON.stringify(dehydrate(st))));
    const retried = enqueueTasks(again, [spec('live')], T0);
    expect(retried).toEqual([{ taskId: 'live', status: 'duplicate' }]);
    expect(again.queue.filter((t) => t.taskId === 'live')).toHaveLength(1);
  });
});
