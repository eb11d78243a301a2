/**
 * Runs of tasks (several queued tasks of one account in one activity) against a real dev server and
 * Postgres: each task keeps its own claim, record, order and cancellation, and anything the workflow learns
 * mid-run (a cancel, a suspend, a more urgent task) takes effect after the task in hand.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tasks } from '../../db/schema';
import { accountWorkflowId } from '../../workflows/account-workflow';
import type { TaskSpec } from '../../workflows/types';
import { startStack } from '../helpers/stack';
import { stackPerFile } from '../helpers/stack-per-file';
import { eventually } from '../helpers/wait';

// A window long enough that a run is cut short by what the tests do, not by time.
const { temporal, stack } = stackPerFile({ driver: 'postgres', env: { RUN_MAX_TASKS: '20', RUN_WINDOW_MS: '30000', RETRY_INITIAL_SECONDS: '0.1' } });

const spec = (type: string, payload: unknown, extra: Partial<TaskSpec> = {}): TaskSpec => ({
  taskId: randomUUID(), type, payload, submittedAtMs: Date.now(), ...extra,
});
const account = (name: string) => `runs-${name}-${randomUUID().slice(0, 8)}`;

async function ledger(accountId: string) {
  return stack.db.database.db.select().from(tasks).where(eq(tasks.accountId, accountId)).orderBy(asc(tasks.seq));
}
const row = async (accountId: string, taskId: string) => (await ledger(accountId)).find((r) => r.taskId === taskId);

async function settled(accountId: string, n: number) {
  return eventually(async () => {
    const rows = await ledger(accountId);
    return rows.length === n && rows.every((r) => !['queued', 'running'].includes(r.status)) && rows;
  }, { timeoutMs: 60_000, what: `${n} finished tasks of ${accountId}` });
}

function expectSerial(rows: Awaited<ReturnType<typeof ledger>>) {
  const started = rows.filter((r) => r.startedAt).sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime());
  for (let i = 1; i < started.length; i++) {
    expect(started[i]!.startedAt!.getTime()).toBeGreaterThanOrEqual(started[i - 1]!.finishedAt!.getTime());
  }
  return started.map((r) => r.taskId);
}

async function activitiesScheduled(accountId: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(accountWorkflowId(accountId)).fetchHistory();
  return (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).length;
}

describe('runs of tasks', () => {
  it('runs 40 queued tasks in a few activities, each with its own claim, token and record, in order', async () => {
    const a = account('many');
    const specs = Array.from({ length: 40 }, () => spec('sleep', { ms: 2 }));
    await stack.submit(a, specs);
    const rows = await settled(a, 40);
    expect(rows.every((r) => r.status === 'succeeded' && r.attempts === 1)).toBe(true);
    expect(expectSerial(rows)).toEqual(specs.map((s) => s.taskId));
    const tokens = rows.map((r) => r.fencingToken!);
    expect(new Set(tokens).size).toBe(40);
    expect([...tokens].sort((x, y) => x - y)).toEqual(tokens);
    // 20 tasks at most per run: a handful of activities, not one per task.
    expect(await activitiesScheduled(a)).toBeLessThanOrEqual(5);
  });

  it('cancels a task the run has not reached: it never starts, the rest run in order', async () => {
    const a = account('cancel-queued');
    const [first, second, doomed, last] = [spec('sleep', { ms: 400 }), spec('sleep', { ms: 10 }), spec('sleep', { ms: 10 }), spec('sleep', { ms: 10 })];
    await stack.submit(a, [first!, second!, doomed!, last!]);
    await eventually(async () => (await row(a, first!.taskId))?.status === 'running', { what: 'first running' });
    await stack.api.engine.cancel(a, doomed!.taskId);
    const rows = await settled(a, 4);
    const byId = new Map(rows.map((r) => [r.taskId, r]));
    expect(byId.get(doomed!.taskId)).toMatchObject({ status: 'cancelled', startedAt: null, attempts: 0 });
    expect([first, second, last].map((s) => byId.get(s!.taskId)!.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(expectSerial(rows)).toEqual([first!.taskId, second!.taskId, last!.taskId]);
  });

  it('cancels the task a run is running, and only that one', async () => {
    const a = account('cancel-running');
    const [before, long, after] = [spec('sleep', { ms: 20 }), spec('sleep', { ms: 60_000 }), spec('sleep', { ms: 10 })];
    await stack.submit(a, [before!, long!, after!]);
    await eventually(async () => (await row(a, long!.taskId))?.status === 'running', { what: 'the long member running' });
    const asked = Date.now();
    await stack.api.engine.cancel(a, long!.taskId);
    const rows = await settled(a, 3);
    const byId = new Map(rows.map((r) => [r.taskId, r]));
    expect(byId.get(before!.taskId)!.status).toBe('succeeded');
    expect(byId.get(long!.taskId)!.status).toBe('cancelled');
    expect(byId.get(long!.taskId)!.finishedAt!.getTime() - asked).toBeLessThan(15_000);
    expect(byId.get(after!.taskId)!).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(expectSerial(rows)).toEqual([before!.taskId, long!.taskId, after!.taskId]);
  });

  it('stops after the task in hand when the account is suspended, and goes on when it resumes', async () => {
    const a = account('suspend');
    const specs = [spec('sleep', { ms: 500 }), spec('sleep', { ms: 5 }), spec('sleep', { ms: 5 })];
    await stack.submit(a, specs);
    await eventually(async () => (await row(a, specs[0]!.taskId))?.status === 'running', { what: 'first running' });
    await stack.api.engine.suspend(a, 'maintenance');
    await eventually(async () => (await row(a, specs[0]!.taskId))?.status === 'succeeded', { what: 'first finished' });
    await new Promise((r) => setTimeout(r, 500));
    expect((await ledger(a)).slice(1).map((r) => r.status)).toEqual(['queued', 'queued']);
    await stack.api.engine.resume(a);
    const rows = await settled(a, 3);
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(expectSerial(rows)).toEqual(specs.map((s) => s.taskId));
  });

  it('lets a more urgent task go right after the task in hand', async () => {
    const a = account('priority');
    const specs = [spec('sleep', { ms: 500 }), ...Array.from({ length: 4 }, () => spec('sleep', { ms: 5 }))];
    await stack.submit(a, specs);
    await eventually(async () => (await row(a, specs[0]!.taskId))?.status === 'running', { what: 'first running' });
    const urgent = spec('sleep', { ms: 5 }, { priority: 5 });
    await stack.submit(a, [urgent]);
    const rows = await settled(a, 6);
    expect(expectSerial(rows)).toEqual([specs[0]!.taskId, urgent.taskId, ...specs.slice(1).map((s) => s.taskId)]);
  });

  it('retries a member that fails transiently with its own attempt count, then goes on', async () => {
    const a = account('transient');
    const specs = [spec('sleep', { ms: 5 }), spec('simulate', { outcome: 'transient', failTimes: 2 }), spec('sleep', { ms: 5 }), spec('sleep', { ms: 5 })];
    await stack.submit(a, specs);
    const rows = await settled(a, 4);
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([['succeeded', 1], ['succeeded', 3], ['succeeded', 1], ['succeeded', 1]]);
    expect(expectSerial(rows)).toEqual(specs.map((s) => s.taskId));
  });

  it('takes what a timed-out run did from the ledger: its finished tasks stand, the one in hand fails, the rest run', async () => {
    // One attempt and a 1 s task timeout: Temporal gives up on the run's activity after 1 s + the window.
    const strict = await startStack(temporal, {
      driver: 'postgres',
      env: { RUN_MAX_TASKS: '20', RUN_WINDOW_MS: '500', TASK_TIMEOUT_SECONDS: '1', MAX_ATTEMPTS: '1' },
    });
    try {
      const a = account('timeout');
      const specs = [spec('sleep', { ms: 5 }), spec('sleep', { ms: 5 }), spec('sleep', { ms: 5000 }), spec('sleep', { ms: 5 })];
      await strict.submit(a, specs);
      const rows = await eventually(async () => {
        const all = await strict.db.database.db.select().from(tasks).where(eq(tasks.accountId, a)).orderBy(asc(tasks.seq));
        return all.length === 4 && all.every((r) => !['queued', 'running'].includes(r.status)) && all;
      }, { timeoutMs: 60_000, what: 'the timed-out run settled' });
      expect(rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'failed', 'succeeded']);
      expect(rows[2]!.error).toMatchObject({ code: 'attempts_exhausted' });
      // The last task ran in a run of its own, after the failed one, once.
      expect(rows[3]!.attempts).toBe(1);
      expect(rows[3]!.fencingToken!).toBeGreaterThan(rows[2]!.fencingToken!);
      expect(rows[3]!.startedAt!.getTime()).toBeGreaterThanOrEqual(rows[2]!.finishedAt!.getTime());
    } finally {
      await strict.stop();
    }
  });

  it('ends the run at a rate-limited member, which runs again first after the cooldown', async () => {
    const a = account('rate-limited');
    const specs = [spec('sleep', { ms: 5 }), spec('simulate', { outcome: 'rate_limited', failTimes: 1 }), spec('sleep', { ms: 5 })];
    await stack.submit(a, specs);
    const rows = await settled(a, 3);
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([['succeeded', 1], ['succeeded', 2], ['succeeded', 1]]);
    // The cooldown (0.3 s in these settings) separates the rate-limited run from the next.
    const [, limited, last] = rows;
    expect(last!.startedAt!.getTime() - limited!.finishedAt!.getTime()).toBeGreaterThanOrEqual(0);
    expect(limited!.finishedAt!.getTime() - rows[0]!.finishedAt!.getTime()).toBeGreaterThanOrEqual(250);
    expectSerial(rows);
  });
});
