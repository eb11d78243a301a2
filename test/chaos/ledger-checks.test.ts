/**
 * The fault run's judge on hand-made ledgers: it must see what it claims to see (an overlap, a FIFO
 * violation, a lost or twice-finished task) and must not flag what is legitimate (a killed attempt followed
 * by its retry, a rate-limited task re-run from the head of its queue, a transient retry).
 */
import { describe, expect, it } from 'vitest';
import { judge, type AckedTask, type TaskEvent, type TaskRow } from './ledger-checks';

let id = 0;
const t0 = Date.parse('2030-01-01T00:00:00Z');
const ev = (taskId: string, type: string, atMs: number, data: unknown = null, accountId = 'a'): TaskEvent => ({
  id: ++id, taskId, accountId, type, at: new Date(t0 + atMs), data,
});
const started = (taskId: string, atMs: number, activityAttempt = 1, accountId = 'a') => ev(taskId, 'started', atMs, { activityAttempt }, accountId);
const row = (taskId: string, status: string, accountId = 'a'): TaskRow => ({ taskId, accountId, status });
const ackAll = (...ids: string[]): AckedTask[] => ids.map((taskId, ackSeq) => ({ taskId, accountId: 'a', ackSeq }));

describe('ledger checks', () => {
  it('accepts a clean sequential account with a killed attempt, a transient retry and a rate-limited re-run', () => {
    id = 0;
    const events = [
      ev('t1', 'queued', 0), ev('t2', 'queued', 0), ev('t3', 'queued', 0), ev('t4', 'queued', 0),
      started('t1', 10, 1), // killed: no end of its own
      started('t1', 3000, 2), ev('t1', 'succeeded', 3010),
      started('t2', 3020, 1), ev('t2', 'retry', 3030), started('t2', 4030, 2), ev('t2', 'succeeded', 4040),
      started('t3', 4050, 1), ev('t3', 'requeued', 4060), started('t3', 4400, 1), ev('t3', 'succeeded', 4410),
      started('t4', 4420, 1), ev('t4', 'failed', 4430),
    ];
    const v = judge({
      acked: ackAll('t1', 't2', 't3', 't4'),
      tasks: [row('t1', 'succeeded'), row('t2', 'succeeded'), row('t3', 'succeeded'), row('t4', 'failed')],
      events,
      interactions: [],
    });
    expect(v).toMatchObject({ lost: 0, duplicates: [], overlaps: [], ledgerOrderOverlaps: [], fifoViolations: [], fifoPairsChecked: 6, liveRows: 0, runs: 7 });
    expect(v.openRuns).toHaveLength(0);
  });

  it('sees two tasks of one account running at once, by time and in ledger order', () => {
    id = 0;
    const events = [started('t1', 0), started('t2', 5), ev('t1', 'succeeded', 20), ev('t2', 'succeeded', 25)];
    const v = judge({ acked: ackAll('t1', 't2'), tasks: [row('t1', 'succeeded'), row('t2', 'succeeded')], events, interactions: null });
    expect(v.overlaps).toHaveLength(1);
    expect(v.ledgerOrderOverlaps).toHaveLength(1);
    expect(v.overlaps[0]).toMatchObject({ accountId: 'a', first: { taskId: 't1' }, second: { taskId: 't2' } });
  });

  it('does not mix accounts', () => {
    id = 0;
    const events = [started('t1', 0, 1, 'a'), started('u1', 5, 1, 'b'), ev('t1', 'succeeded', 20, null, 'a'), ev('u1', 'succeeded', 25, null, 'b')];
    const v = judge({ acked: [], tasks: [row('t1', 'succeeded', 'a'), row('u1', 'succeeded', 'b')], events, interactions: null });
    expect(v.overlaps).toHaveLength(0);
    expect(v.ledgerOrderOverlaps).toHaveLength(0);
  });

  it('sees a task that started before one acknowledged earlier', () => {
    id = 0;
    const events = [started('t2', 0), ev('t2', 'succeeded', 5), started('t1', 10), ev('t1', 'succeeded', 15)];
    const v = judge({ acked: ackAll('t1', 't2'), tasks: [row('t1', 'succeeded'), row('t2', 'succeeded')], events, interactions: null });
    expect(v.fifoViolations).toEqual([{ accountId: 'a', earlier: 't1', later: 't2', rule: 'acknowledged first', earlierLastStartId: 3, laterFirstStartId: 1 }]);
  });

  it('orders by acknowledgement: concurrent submissions start in either order, a task sent after another was acknowledged starts after it', () => {
    id = 0;
    const acked: AckedTask[] = [
      { taskId: 't1', accountId: 'a', ackSeq: 1, sentAt: 0, ackedAt: 10 },
      { taskId: 't2', accountId: 'a', ackSeq: 0, sentAt: 5, ackedAt: 8 }, // in flight with t1: either order
      { taskId: 't3', accountId: 'a', ackSeq: 2, sentAt: 20, ackedAt: 25 }, // sent after both were acknowledged
    ];
    const rows = [row('t1', 'succeeded'), row('t2', 'succeeded'), row('t3', 'succeeded')];
    const fine = [started('t2', 30), ev('t2', 'succeeded', 31), started('t1', 32), ev('t1', 'succeeded', 33), started('t3', 34), ev('t3', 'succeeded', 35)];
    expect(judge({ acked, tasks: rows, events: fine, interactions: null })).toMatchObject({ fifoViolations: [], fifoPairsChecked: 2 });
    id = 0;
    const wrong = [started('t3', 30), ev('t3', 'succeeded', 31), started('t2', 32), ev('t2', 'succeeded', 33), started('t1', 34), ev('t1', 'succeeded', 35)];
    const v = judge({ acked, tasks: rows, events: wrong, interactions: null });
    expect(v.fifoViolations).toEqual([{ accountId: 'a', earlier: 't1', later: 't3', rule: 'acknowledged first', earlierLastStartId: 5, laterFirstStartId: 1 }]);
  });

  it('sees a task acknowledged first that runs again after a later one started, which comparing final runs alone would miss', () => {
    id = 0;
    const events = [
      started('t1', 0), ev('t1', 'requeued', 1), started('t2', 2), ev('t2', 'requeued', 3),
      started('t1', 400), ev('t1', 'succeeded', 401), started('t2', 800), ev('t2', 'succeeded', 801),
    ];
    const v = judge({ acked: ackAll('t1', 't2'), tasks: [row('t1', 'succeeded'), row('t2', 'succeeded')], events, interactions: null });
    expect(v.fifoViolations).toMatchObject([{ earlier: 't1', later: 't2', rule: 'acknowledged first' }]);
  });

  it('keeps the order of tasks within one batch request', () => {
    id = 0;
    const acked: AckedTask[] = ['t1', 't2', 't3'].map((taskId, index) => ({ taskId, accountId: 'a', ackSeq: index, sentAt: 0, ackedAt: 10, batch: { id: 'b1', index } }));
    const rows = [row('t1', 'succeeded'), row('t2', 'succeeded'), row('t3', 'succeeded')];
    const inOrder = [started('t1', 20), ev('t1', 'succeeded', 21), started('t2', 22), ev('t2', 'succeeded', 23), started('t3', 24), ev('t3', 'succeeded', 25)];
    expect(judge({ acked, tasks: rows, events: inOrder, interactions: null })).toMatchObject({ fifoViolations: [], fifoPairsChecked: 2 });
    id = 0;
    const swapped = [started('t1', 20), ev('t1', 'succeeded', 21), started('t3', 22), ev('t3', 'succeeded', 23), started('t2', 24), ev('t2', 'succeeded', 25)];
    const v = judge({ acked, tasks: rows, events: swapped, interactions: null });
    expect(v.fifoViolations).toMatchObject([{ earlier: 't2', later: 't3', rule: 'batch order' }]);
  });

  it('counts lost, stuck and twice-finished tasks, and repeated interaction successes', () => {
    id = 0;
    const events = [started('t1', 0), ev('t1', 'succeeded', 5), ev('t1', 'failed', 6), started('t2', 10)];
    const v = judge({
      acked: ackAll('t1', 't2', 't3'),
      tasks: [row('t1', 'succeeded'), row('t2', 'running')],
      events,
      interactions: [
        { accountId: 'a', target: 'x', action: 'like', status: 'success', taskId: 't1' },
        { accountId: 'a', target: 'x', action: 'like', status: 'success', taskId: 't2' },
        { accountId: 'a', target: 'y', action: 'like', status: 'success', taskId: 't1' },
        { accountId: 'a', target: 'y', action: 'like', status: 'dedupe_hit', taskId: 't2' },
      ],
    });
    expect(v.missing).toEqual(['t3']);
    expect(v.notTerminal).toEqual([{ taskId: 't2', status: 'running' }]);
    expect(v.lost).toBe(2);
    expect(v.duplicates).toEqual([{ taskId: 't1', terminalEvents: ['succeeded', 'failed'] }]);
    expect(v.openRuns.map((r) => r.taskId)).toEqual(['t2']);
    expect(v.duplicateInteractionSuccesses).toEqual([{ key: 'a / x / like', successes: 2, taskIds: ['t1', 't2'] }]);
  });

  it('names a task that ended skipped although it recorded the interaction success itself', () => {
    id = 0;
    const events = [started('t1', 0, 1), started('t1', 3000, 2), ev('t1', 'skipped', 3010)];
    const v = judge({
      acked: ackAll('t1'),
      tasks: [row('t1', 'skipped')],
      events,
      interactions: [
        { accountId: 'a', target: 'x', action: 'like', status: 'success', taskId: 't1' },
        { accountId: 'a', target: 'x', action: 'like', status: 'dedupe_hit', taskId: 't1' },
      ],
    });
    expect(v.skippedAfterOwnSuccess).toEqual([{ taskId: 't1', events: ['success', 'dedupe_hit'] }]);
    expect(v.duplicateInteractionSuccesses).toEqual([]);
  });
});
