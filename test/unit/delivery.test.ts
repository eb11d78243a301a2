/**
 * What the relay delivers and the workflow takes (`acceptDelivered`): FIFO by acknowledgement within a
 * priority, nothing run twice or lost when a relay dies between its signal and its mark, the workflow's
 * queue bounded by the window, and workflow state far below Temporal's 2 MB payload limit at that bound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acceptDelivered,
  applyOutcome,
  beginTask,
  createAccountState,
  decide,
  dehydrate,
  RECENT_IDS_LIMIT,
  view,
  type AccountState,
} from '../../workflows/account-state';
import type { DeliveredTask } from '../../workflows/types';
import { engineSettings } from '../helpers/engine-settings';

const SETTINGS = engineSettings({ rateLimitBackoffMs: [100], maxQueuedPerAccount: 10_000 });
const T0 = 1_700_000_000_000;
const RUNS = Math.max(1, Math.round(200 * Number(process.env.PROPERTY_RUNS_SCALE ?? 1)));

const task = (taskId: string, priority = 0): DeliveredTask => ({ taskId, type: 'noop', submittedAtMs: T0, ...(priority ? { priority } : {}) });

describe('acceptDelivered', () => {
  it('queues by priority, FIFO within one, and drops ids it has seen (a repeated delivery)', () => {
    const st = createAccountState('a', SETTINGS, 1000);
    expect(acceptDelivered(st, [task('a'), task('b'), task('u', 5)], 0, T0).map((t) => t.taskId)).toEqual(['a', 'b', 'u']);
    expect(acceptDelivered(st, [task('a'), task('b'), task('c')], 0, T0).map((t) => t.taskId)).toEqual(['c']);
    expect(st.queue.map((t) => t.taskId)).toEqual(['u', 'a', 'b', 'c']);
    expect(st.queue.every((t) => t.payload === undefined)).toBe(true);
  });

  it('shows what the ledger still holds back in the queue length', () => {
    const st = createAccountState('a', SETTINGS, 1000);
    const v0 = st.version;
    acceptDelivered(st, [task('a')], 7, T0);
    expect(view(st, T0, false).queueLength).toBe(8);
    expect(st.version).toBeGreaterThan(v0);
    const v1 = st.version;
    acceptDelivered(st, [], 7, T0);
    expect(st.version).toBe(v1); // nothing changed, nothing to write
  });

  it('keeps workflow state under half of 2 MB at the window limit with the longest ids and types', () => {
    const st = createAccountState('a', SETTINGS, 1000);
    const long = (i: number) => `${String(i).padStart(8, '0')}${'x'.repeat(120)}`; // 128 characters, the id limit
    // The recent ids the workflow remembers, then a full window (1000, RELAY_WINDOW's maximum) queued.
    for (let i = 0; i < RECENT_IDS_LIMIT; i++) acceptDelivered(st, [{ ...task(long(i)), type: 't'.repeat(64) }], 0, T0);
    st.queue.length = 0;
    acceptDelivered(st, Array.from({ length: 1000 }, (_, i) => ({ ...task(long(RECENT_IDS_LIMIT + i), i % 3), type: 't'.repeat(64), runAfterMs: T0 })), 123_456, T0);
    const bytes = Buffer.byteLength(JSON.stringify(dehydrate(st)));
    expect(bytes).toBeLessThan(1024 * 1024);
  });
});

/**
 * A model of the outbox: the ledger acknowledges tasks (`seq` grows), a relay delivers the undelivered ones
 * in (priority, seq) order up to the window and may die before its mark, and the workflow runs its head.
 */
type Step =
  | { op: 'ack'; priority: number }
  | { op: 'relay'; crashBeforeMark: boolean }
  | { op: 'run' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('ack' as const), priority: fc.constantFrom(0, 0, 0, 1, -1) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('relay' as const), crashBeforeMark: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('run' as const) }) },
);

interface Row { id: string; seq: number; priority: number; status: 'queued' | 'done'; delivered: boolean }

function simulate(steps: Step[], window: number) {
  const st: AccountState = createAccountState('a', SETTINGS, 1000);
  const rows: Row[] = [];
  const started: Row[] = [];
  let seq = 0;
  let now = T0;
  const relay = (crash: boolean) => {
    const held = rows.filter((r) => r.delivered && r.status === 'queued').length;
    const waiting = rows.filter((r) => !r.delivered && r.status === 'queued').sort((x, y) => y.priority - x.priority || x.seq - y.seq);
    const batch = waiting.slice(0, Math.max(0, window - held));
    if (batch.length === 0) return;
    acceptDelivered(st, batch.map((r) => task(r.id, r.priority)), waiting.length - batch.length, now);
    if (!crash) for (const r of batch) r.delivered = true;
  };
  const run = () => {
    const d = decide(st, now);
    if (d.kind !== 'run') return;
    beginTask(st, d.taskId, now);
    const row = rows.find((r) => r.id === d.taskId)!;
    // The ledger's claim runs a task once only.
    if (row.status === 'queued') {
      row.status = 'done';
      started.push(row);
    }
    applyOutcome(st, { kind: 'succeeded' }, now, 0.5);
  };
  for (const step of steps) {
    now += 1;
    if (step.op === 'ack') rows.push({ id: `t${seq}`, seq: seq++, priority: step.priority, status: 'queued', delivered: false });
    else if (step.op === 'relay') relay(step.crashBeforeMark);
    else run();
    expect(st.queue.length).toBeLessThanOrEqual(window + rows.filter((r) => !r.delivered).length);
  }
  // Drain: relays that keep their marks and a workflow that runs until nothing is left.
  for (let guard = 0; guard < 10 * rows.length + 10 && rows.some((r) => r.status === 'queued'); guard++) {
    relay(false);
    run();
  }
  return { rows, started, st };
}

describe('the outbox, modelled', () => {
  it('runs every acknowledged task exactly once, FIFO by acknowledgement within a priority, whatever the relay does', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 80 }), fc.integer({ min: 1, max: 6 }), (steps, window) => {
        const { rows, started, st } = simulate(steps, window);
        expect(started.map((r) => r.id).sort()).toEqual(rows.map((r) => r.id).sort());
        expect(new Set(started.map((r) => r.id)).size).toBe(started.length);
        for (const p of [-1, 0, 1]) {
          const order = started.filter((r) => r.priority === p).map((r) => r.seq);
          expect(order).toEqual([...order].sort((x, y) => x - y));
        }
        expect(st.queue).toHaveLength(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('starts a task acknowledged before another was submitted first, when both have one priority', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 60 }), (crashes) => {
        const steps: Step[] = crashes.flatMap((crash): Step[] => [{ op: 'ack', priority: 0 }, { op: 'relay', crashBeforeMark: crash }, { op: 'run' }]);
        const { started } = simulate(steps, 2);
        expect(started.map((r) => r.seq)).toEqual(started.map((_, i) => i));
      }),
      { numRuns: RUNS },
    );
  });
});
