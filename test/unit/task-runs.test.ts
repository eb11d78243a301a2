/**
 * Runs of tasks in the state machine: `planRun` picks the tasks that would follow the head at once, and a
 * run applied member by member (with reserved fencing tokens) leaves the account exactly as running each
 * task on its own would have.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyOutcome,
  beginTask,
  createAccountState,
  decide,
  dehydrate,
  enqueueTasks,
  hydrate,
  planRun,
  reserveTokens,
  settle,
  type AccountState,
} from '../../workflows/account-state';
import type { EngineSettings, TaskOutcome, TaskSpec } from '../../workflows/types';

const SETTINGS: EngineSettings = {
  rateLimitBackoffMs: [100, 200, 400],
  backoffJitter: 0.25,
  cooldownAfterConsecutiveRateLimits: 4,
  longCooldownMs: 10_000,
  maxQueuedPerAccount: 100,
  taskTimeoutMs: 60_000,
  maxAttempts: 3,
  retryInitialMs: 100,
  retryMaxMs: 1000,
  breakerFailureThreshold: 3,
};
const T0 = 1_700_000_000_000;
const BIG = 1_000_000;

const spec = (taskId: string, extra: Partial<TaskSpec> = {}): TaskSpec => ({
  taskId, type: 'noop', payload: { n: taskId }, submittedAtMs: T0, ...extra,
});

function account(specs: TaskSpec[]): AccountState {
  const state = createAccountState('a', SETTINGS, 5000);
  enqueueTasks(state, specs, T0);
  return state;
}

const clone = (state: AccountState): AccountState => hydrate(structuredClone({ ...dehydrate(state), tasksStarted: state.tasksStarted }));

describe('planRun', () => {
  it('takes the queued tasks behind the head, in order, up to the maximum', () => {
    const state = account(['a', 'b', 'c', 'd'].map((id) => spec(id)));
    expect(planRun(state, 'a', T0, 2, BIG).map((t) => t.taskId)).toEqual(['b', 'c']);
    expect(planRun(state, 'a', T0, 10, BIG).map((t) => t.taskId)).toEqual(['b', 'c', 'd']);
    expect(planRun(state, 'a', T0, 0, BIG)).toEqual([]);
  });

  it('stops at a task that waits for its time, and takes none when one waits ahead of the head', () => {
    const later = account([spec('a'), spec('b'), spec('c', { runAfterMs: T0 + 50 }), spec('d')]);
    expect(planRun(later, 'a', T0, 10, BIG).map((t) => t.taskId)).toEqual(['b']);
    expect(planRun(later, 'a', T0 + 50, 10, BIG).map((t) => t.taskId)).toEqual(['b', 'c', 'd']);
    const ahead = account([spec('s', { runAfterMs: T0 + 50 }), spec('a'), spec('b')]);
    expect(decide(ahead, T0)).toEqual({ kind: 'run', taskId: 'a' });
    expect(planRun(ahead, 'a', T0, 10, BIG)).toEqual([]);
  });

  it('keeps the payloads of a run under the limit', () => {
    const state = account(['a', 'b', 'c'].map((id) => spec(id, { payload: 'x'.repeat(98) }))); // 100 JSON chars each
    expect(planRun(state, 'a', T0, 10, 250).map((t) => t.taskId)).toEqual(['b', 'c']);
    expect(planRun(state, 'a', T0, 10, 199).map((t) => t.taskId)).toEqual(['b']);
    expect(planRun(state, 'a', T0, 10, 99)).toEqual([]);
  });

  it('hands reserved tokens to the run and refuses a token it never reserved', () => {
    const state = account(['a', 'b', 'c'].map((id) => spec(id)));
    const followers = planRun(state, 'a', T0, 10, BIG);
    const head = beginTask(state, 'a', T0);
    const first = reserveTokens(state, followers.length);
    expect(first).toBe(head.fencingToken + 1);
    applyOutcome(state, { kind: 'succeeded' }, T0, 0.5);
    expect(beginTask(state, 'b', T0, first).fencingToken).toBe(first);
    applyOutcome(state, { kind: 'succeeded' }, T0, 0.5);
    expect(() => beginTask(state, 'c', T0, first + 2)).toThrow(/never reserved/);
    expect(beginTask(state, 'c', T0).fencingToken).toBe(first + 2);
  });
});

// ---------------------------------------------------------------------------------------------------------

const taskArb = fc.record({
  priority: fc.constantFrom(-1, 0, 0, 0, 2),
  runAfter: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: -50, max: 200 }) }),
  dedupe: fc.option(fc.constantFrom('k1', 'k2'), { freq: 5 }),
});
const outcomeArb: fc.Arbitrary<TaskOutcome> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<TaskOutcome>({ kind: 'succeeded' }) },
  { weight: 2, arbitrary: fc.constant<TaskOutcome>({ kind: 'skipped', reason: 'dedupe_hit' }) },
  { weight: 1, arbitrary: fc.constant<TaskOutcome>({ kind: 'failed', error: { code: 'x', message: 'x' } }) },
  { weight: 1, arbitrary: fc.constant<TaskOutcome>({ kind: 'rate_limited', message: 'slow down' }) },
);

describe('runs of tasks (property)', () => {
  it('a run applied member by member leaves the account as running each task alone would', () => {
    fc.assert(
      fc.property(
        fc.array(taskArb, { minLength: 1, maxLength: 25 }),
        fc.array(outcomeArb, { minLength: 25, maxLength: 25 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 150 }),
        fc.boolean(),
        (tasks, outcomes, max, elapsed, halfOpen) => {
          const specs = tasks.map((t, i) => spec(`t${i}`, {
            priority: t.priority,
            ...(t.runAfter === null ? {} : { runAfterMs: T0 + t.runAfter }),
            ...(t.dedupe === null ? {} : { dedupeKey: t.dedupe }),
          }));
          const start = account(specs);
          if (halfOpen) start.breaker = 'half_open'; // the head is a probe; its success closes the breaker
          const now = T0 + elapsed;
          settle(start, now);
          const first = decide(start, now);
          if (first.kind !== 'run') return;

          // Alone: decide, begin, apply, one task at a time, for as long as the run would go.
          const alone = clone(start);
          const followers = planRun(clone(start), first.taskId, now, max - 1, BIG).map((t) => t.taskId);
          expect(followers.length).toBeLessThanOrEqual(max - 1);
          const aloneOrder: string[] = [];
          let ranAlone = 0;
          for (let i = 0; i <= followers.length; i++) {
            const d = decide(alone, now);
            expect(d.kind).toBe('run');
            if (d.kind !== 'run') return;
            aloneOrder.push(d.taskId);
            beginTask(alone, d.taskId, now);
            const outcome = outcomes[i]!;
            applyOutcome(alone, outcome, now, 0.5);
            ranAlone += 1;
            if (outcome.kind !== 'succeeded' && outcome.kind !== 'skipped') break;
          }
          // The followers are exactly what `decide` picks next while every task succeeds.
          expect(aloneOrder.slice(1)).toEqual(followers.slice(0, aloneOrder.length - 1));

          // As a run: the head's token now, the followers' reserved, outcomes applied in order.
          const asRun = clone(start);
          const planned = planRun(asRun, first.taskId, now, max - 1, BIG);
          beginTask(asRun, first.taskId, now);
          const firstReserved = reserveTokens(asRun, planned.length);
          for (let i = 0; i < ranAlone; i++) {
            if (i > 0) beginTask(asRun, planned[i - 1]!.taskId, now, firstReserved + i - 1);
            applyOutcome(asRun, outcomes[i]!, now, 0.5);
          }
          // Same queue, counters, breaker and cooldown; tokens differ only by those reserved and unused.
          const unused = planned.length - (ranAlone - 1);
          expect({ ...dehydrate(asRun), nextFencingToken: asRun.nextFencingToken - unused }).toEqual(dehydrate(alone));
        },
      ),
      { numRuns: 300 },
    );
  });
});
