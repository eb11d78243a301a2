/**
 * What keeps the stored views (the `account_states` projection) with the live state: every change of
 * what `view()` shows bumps the state's version, timers included (`settle`), and the driver writes the
 * projection whenever the version moved. Also: an expired long cooldown resets the rate-limit count, and
 * a task whose run never claimed it goes back to the queue unharmed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acceptDelivered,
  applyOutcome,
  beginTask,
  cancelTask,
  createAccountState,
  decide,
  endCooldown,
  endsLongCooldown,
  resume,
  returnUnstarted,
  settle,
  startManualCooldown,
  suspend,
  view,
  type AccountState,
} from '../../workflows/account-state';
import type { TaskOutcome } from '../../workflows/types';
import { engineSettings } from '../helpers/engine-settings';

const SETTINGS = engineSettings({ cooldownAfterConsecutiveRateLimits: 2, breakerFailureThreshold: 3 });
const T0 = 1_700_000_000_000;
const RUNS = Math.max(1, Math.round(200 * Number(process.env.PROPERTY_RUNS_SCALE ?? 1)));

type Op =
  | { op: 'deliver'; n: number }
  | { op: 'run'; outcome: TaskOutcome['kind'] }
  | { op: 'cancel'; i: number }
  | { op: 'suspend' } | { op: 'resume' }
  | { op: 'cooldown'; ms: number } | { op: 'endCooldown' }
  | { op: 'time'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('deliver' as const), n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant('run' as const), outcome: fc.constantFrom('succeeded', 'failed', 'rate_limited', 'skipped') }),
  fc.record({ op: fc.constant('cancel' as const), i: fc.nat(5) }),
  fc.record({ op: fc.constant('suspend' as const) }),
  fc.record({ op: fc.constant('resume' as const) }),
  fc.record({ op: fc.constant('cooldown' as const), ms: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ op: fc.constant('endCooldown' as const) }),
  fc.record({ op: fc.constant('time' as const), ms: fc.integer({ min: 1, max: 3000 }) }),
);

const outcomeOf = (kind: TaskOutcome['kind']): TaskOutcome =>
  kind === 'failed' ? { kind, error: { code: 'x', message: 'x' } }
  : kind === 'rate_limited' ? { kind, message: 'slow down' }
  : kind === 'skipped' ? { kind, reason: 'gone' }
  : { kind: 'succeeded' };

/** What the projection stores of a view, at the moment it is written. */
const stored = (st: AccountState, now: number) => {
  const { version: _v, tasksStarted: _t, ...rest } = view(st, now, false);
  return rest;
};

describe('stored view', () => {
  it('bumps the version whenever what the projection would store changes, timers included', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const st = createAccountState('a', SETTINGS, 1000);
        let now = T0;
        let ids = 0;
        // What the driver last wrote: it writes when the version moved (after settling, as its loop does).
        settle(st, now, true);
        let written = { version: st.version, view: stored(st, now) };
        for (const o of ops) {
          switch (o.op) {
            case 'deliver':
              acceptDelivered(st, Array.from({ length: o.n }, () => ({ taskId: `t${ids++}`, type: 'x', submittedAtMs: now })), 0, now);
              break;
            case 'run': {
              const d = decide(st, now);
              if (d.kind !== 'run') break;
              beginTask(st, d.taskId, now);
              applyOutcome(st, outcomeOf(o.outcome), now, 0.5);
              break;
            }
            case 'cancel': {
              const t = st.queue[o.i];
              if (t) cancelTask(st, t.taskId);
              break;
            }
            case 'suspend': suspend(st, 'op', now); break;
            case 'resume': resume(st); break;
            case 'cooldown': startManualCooldown(st, o.ms, 'op', now); break;
            case 'endCooldown': endCooldown(st, now); break;
            case 'time': now += o.ms; break;
          }
          settle(st, now, true);
          if (st.version !== written.version) written = { version: st.version, view: stored(st, now) };
          // The projection as last written equals the live state now.
          expect(written.view).toEqual(stored(st, now));
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('after a long cooldown', () => {
  it('resets the count of consecutive rate limits, so the next one starts the backoff again', () => {
    const st = createAccountState('a', SETTINGS, 1000);
    acceptDelivered(st, [{ taskId: 't', type: 'x', submittedAtMs: T0 }], 0, T0);
    let now = T0;
    for (let i = 0; i < 2; i++) {
      settle(st, now, true);
      beginTask(st, 't', now);
      applyOutcome(st, { kind: 'rate_limited', message: 'slow' }, now, 0.5);
      now = st.cooldown!.untilMs;
    }
    expect(st.consecutiveRateLimits).toBe(2);
    expect(st.cooldown!.reason).toMatch(/^long cooldown/);
    expect(endsLongCooldown(st, now)).toBe(true);
    settle(st, now, true);
    expect(st.consecutiveRateLimits).toBe(0);
    beginTask(st, 't', now);
    applyOutcome(st, { kind: 'rate_limited', message: 'slow' }, now, 0.5);
    expect(st.cooldown!.untilMs - now).toBe(100); // the first step, not another long cooldown
  });

  it('keeps the count when replaying histories from before (no reset asked)', () => {
    const st = createAccountState('a', SETTINGS, 1000);
    st.consecutiveRateLimits = 2;
    st.cooldown = { untilMs: T0, reason: 'long', source: 'rate_limit' };
    settle(st, T0);
    expect(st.consecutiveRateLimits).toBe(2);
  });
});

describe('a run that never claimed its first task', () => {
  it('puts the task back at the head of its priority with its attempts as they were', () => {
    const st = createAccountState('a', SETTINGS, 1000);
    acceptDelivered(st, ['a', 'b'].map((taskId) => ({ taskId, type: 'x', submittedAtMs: T0 })), 0, T0);
    beginTask(st, 'a', T0);
    returnUnstarted(st);
    expect(st.running).toBeNull();
    expect(st.queue.map((t) => [t.taskId, t.attempts])).toEqual([['a', 0], ['b', 0]]);
    expect(decide(st, T0)).toEqual({ kind: 'run', taskId: 'a' });
  });
});
