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
  answersFromLedger,
  cancelTask,
  finishRun,
  reserveTokens,
  planRun,
  settle,
  startRun,
  type AccountState,
  type RunPatches,
} from '../../workflows/account-state';
import { exampleSettings, T0 } from '../helpers/engine-settings';
import type { EngineSettings, RunMemberFact, TaskOutcome, TaskSpec } from '../../workflows/types';

const SETTINGS: EngineSettings = exampleSettings();
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

          // As a run: planned once (the head's token now, the followers' reserved), answers applied in order.
          const asRun = clone(start);
          const plan = startRun(asRun, first.taskId, now, max, BIG);
          expect(plan.members.map((m) => m.taskId).slice(1)).toEqual(followers);
          const answers = plan.members.slice(0, ranAlone).map((m, i) => ({ taskId: m.taskId, outcome: outcomes[i]! }));
          const step = finishRun(asRun, plan, answers, now, () => 0.5);
          expect(step.records).toEqual([]);
          expect(step.effects).toHaveLength(ranAlone);
          // Same queue, counters, breaker and cooldown; tokens differ only by those reserved and unused.
          const unused = plan.members.length - ranAlone;
          expect({ ...dehydrate(asRun), nextFencingToken: asRun.nextFencingToken - unused }).toEqual(dehydrate(alone));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('finishRun', () => {
  it('skips a member cancelled while the run had it, and records the cancel of a rate-limited one', () => {
    const state = account(['a', 'b', 'c'].map((id) => spec(id)));
    const plan = startRun(state, 'a', T0, 3, BIG);
    expect(cancelTask(state, 'b')).toBe('removed');
    const step = finishRun(state, plan, [
      { taskId: 'a', outcome: { kind: 'succeeded' } },
      { taskId: 'b', outcome: { kind: 'rate_limited', message: 'slow down' } },
      { taskId: 'c', outcome: { kind: 'succeeded' } },
    ], T0 + 5, () => 0.5);
    expect(step.records).toEqual([{ kind: 'cancelled', taskId: 'b', reason: 'cancelled while running' }]);
    expect(step.effects.map((e) => [e.taskId, e.status])).toEqual([['a', 'succeeded'], ['c', 'succeeded']]);
    expect(state.running).toBeNull();
    expect(state.queue).toEqual([]);
  });

  it('fails the head when the answer does not start with it, so the running slot never stays taken', () => {
    const state = account([spec('a'), spec('b')]);
    const plan = startRun(state, 'a', T0, 2, BIG);
    const step = finishRun(state, plan, [{ taskId: 'b', outcome: { kind: 'succeeded' } }], T0, () => 0.5);
    expect(step.records).toEqual([{
      kind: 'failed', taskId: 'a', fencingToken: plan.head.fencingToken,
      error: { code: 'no_outcome', message: 'the run of a answered without it' },
    }]);
    expect(state.running).toBeNull();
    expect(state.queue.map((t) => t.taskId)).toEqual(['b']);
  });
});

describe('answersFromLedger', () => {
  const members = [
    { taskId: 'a', type: 'noop', fencingToken: 1 },
    { taskId: 'b', type: 'noop', fencingToken: 2 },
    { taskId: 'c', type: 'noop', fencingToken: 3 },
  ];
  const patches = (requeue: boolean, afterOutage = requeue): RunPatches & { asked: string[] } => {
    const asked: string[] = [];
    return {
      asked,
      requeueUnstartedHead: () => (asked.push('head'), requeue),
      requeueAfterLedgerOutage: () => (asked.push('outage'), afterOutage),
    };
  };
  const gaveUp = { cancelled: false, ledgerUnreachable: false, message: 'activity timed out' };
  const ok: TaskOutcome = { kind: 'succeeded' };

  it('keeps finished members and fails the one that was running when Temporal gave up', () => {
    const facts: RunMemberFact[] = [
      { taskId: 'a', state: 'finished', outcome: ok },
      { taskId: 'b', state: 'started', cancelRequested: false },
      { taskId: 'c', state: 'not_started' },
    ];
    const p = patches(true);
    const { answers, records } = answersFromLedger(facts, members, gaveUp, p);
    const error = { code: 'attempts_exhausted', message: 'activity timed out' };
    expect(answers).toEqual([{ taskId: 'a', outcome: ok }, { taskId: 'b', outcome: { kind: 'failed', error } }]);
    expect(records).toEqual([{ kind: 'failed', taskId: 'b', fencingToken: 2, error }]);
    expect(p.asked).toEqual([]); // no patch is asked where it does not decide
  });

  it('leaves an unclaimed later member queued, and requeues an unclaimed head only where the patch is in force', () => {
    const later: RunMemberFact[] = [{ taskId: 'a', state: 'finished', outcome: ok }, { taskId: 'b', state: 'not_started' }, { taskId: 'c', state: 'not_started' }];
    expect(answersFromLedger(later, members, gaveUp, patches(false)).answers).toEqual([{ taskId: 'a', outcome: ok }]);
    const head: RunMemberFact[] = [{ taskId: 'a', state: 'not_started' }, { taskId: 'b', state: 'not_started' }, { taskId: 'c', state: 'not_started' }];
    expect(answersFromLedger(head, members, gaveUp, patches(true))).toEqual({ answers: [], records: [] });
    // Older histories failed the unclaimed head.
    expect(answersFromLedger(head, members, gaveUp, patches(false)).answers[0]?.outcome.kind).toBe('failed');
  });

  it('requeues a started member after a ledger outage only where that patch is in force', () => {
    const facts: RunMemberFact[] = [{ taskId: 'a', state: 'started', cancelRequested: false }, { taskId: 'b', state: 'not_started' }, { taskId: 'c', state: 'not_started' }];
    const outage = { ...gaveUp, ledgerUnreachable: true };
    const inForce = patches(true);
    expect(answersFromLedger(facts, members, outage, inForce).answers).toEqual([]);
    expect(inForce.asked).toEqual(['outage', 'head']);
    const older = patches(true, false);
    expect(answersFromLedger(facts, members, outage, older).answers[0]?.outcome.kind).toBe('failed');
    expect(older.asked).toEqual(['outage']);
  });

  it('cancels the member a cancel was meant for and interrupts one it was not', () => {
    const cancelled = { cancelled: true, ledgerUnreachable: false, message: 'cancelled' };
    const meant: RunMemberFact[] = [{ taskId: 'a', state: 'finished', outcome: ok }, { taskId: 'b', state: 'started', cancelRequested: true }, { taskId: 'c', state: 'not_started' }];
    expect(answersFromLedger(meant, members, cancelled, patches(true))).toEqual({
      answers: [{ taskId: 'a', outcome: ok }, { taskId: 'b', outcome: { kind: 'cancelled' } }],
      records: [{ kind: 'cancelled', taskId: 'b', reason: 'cancelled while running' }],
    });
    const notMeant: RunMemberFact[] = [{ taskId: 'a', state: 'started', cancelRequested: false }, { taskId: 'b', state: 'not_started' }, { taskId: 'c', state: 'not_started' }];
    const error = { code: 'interrupted', message: 'stopped when its run was cancelled' };
    expect(answersFromLedger(notMeant, members, cancelled, patches(true)).records).toEqual([{ kind: 'failed', taskId: 'a', fencingToken: 1, error }]);
  });
});
