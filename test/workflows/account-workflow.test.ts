/**
 * The account workflow against a real Temporal dev server and real Postgres: ordering, one task at a
 * time, cancellation, dedupe answers, continue-as-new and idle completion.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { taskEvents, tasks } from '../../db/schema';
import { accountWorkflowId } from '../../workflows/account-workflow';
import { getState } from '../../workflows/messages';
import type { TaskSpec } from '../../workflows/types';
import { startStack } from '../helpers/stack';
import { stackPerFile } from '../helpers/stack-per-file';
import { eventually } from '../helpers/wait';

const { temporal, stack } = stackPerFile({ driver: 'postgres', env: { CONTINUE_AS_NEW_AFTER_TASKS: '60' } });

const spec = (type: string, payload: unknown, extra: Partial<TaskSpec> = {}): TaskSpec => ({
  taskId: randomUUID(),
  type,
  payload,
  submittedAtMs: Date.now(),
  ...extra,
});

async function ledger(accountId: string) {
  return stack.db.database.db.select().from(tasks).where(eq(tasks.accountId, accountId)).orderBy(asc(tasks.seq));
}

async function allFinished(accountId: string, n: number) {
  return eventually(async () => {
    const rows = await ledger(accountId);
    return rows.length === n && rows.every((r) => !['queued', 'running'].includes(r.status)) && rows;
  }, { timeoutMs: 90_000, what: `${n} finished tasks of ${accountId}` });
}

function expectSerialAndFifo(rows: Awaited<ReturnType<typeof ledger>>) {
  const byStart = [...rows].sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime());
  // FIFO: tasks start in the order they were queued (seq is the order the workflow recorded).
  expect(byStart.map((r) => r.taskId)).toEqual(rows.map((r) => r.taskId));
  // Never two at once: each task starts after the previous one finished.
  for (let i = 1; i < byStart.length; i++) {
    expect(byStart[i]!.startedAt!.getTime()).toBeGreaterThanOrEqual(byStart[i - 1]!.finishedAt!.getTime());
  }
}

describe('account workflow', () => {
  it('runs 20 accounts × 10 interleaved tasks one at a time per account, in order', async () => {
    const accounts = Array.from({ length: 20 }, (_, i) => `wf-many-${i}-${randomUUID().slice(0, 6)}`);
    // Interleave: task k of every account before task k+1 of any, in separate submissions.
    for (let k = 0; k < 10; k++) {
      await Promise.all(accounts.map((a) => stack.submit(a, [spec('sleep', { ms: 10 + ((k * 7) % 30) })])));
    }
    for (const a of accounts) {
      const rows = await allFinished(a, 10);
      expect(rows.every((r) => r.status === 'succeeded')).toBe(true);
      expect(rows.every((r) => r.attempts === 1)).toBe(true);
      expectSerialAndFifo(rows);
    }
  });

  it('cancels a queued task (it leaves the queue) and a running one (it stops at once)', async () => {
    const a = `wf-cancel-${randomUUID().slice(0, 8)}`;
    const long = spec('sleep', { ms: 60_000 });
    const queued = spec('sleep', { ms: 10 });
    const after = spec('sleep', { ms: 10 });
    await stack.submit(a, [long, queued, after]);
    await eventually(async () => (await ledger(a)).find((r) => r.taskId === long.taskId)?.status === 'running', { what: 'long task running' });
    await stack.api.engine.cancel(a, queued.taskId);
    const cancelAt = Date.now();
    await stack.api.engine.cancel(a, long.taskId);
    const rows = await allFinished(a, 3);
    const status = Object.fromEntries(rows.map((r) => [r.taskId, r.status]));
    expect(status[long.taskId]).toBe('cancelled');
    expect(status[queued.taskId]).toBe('cancelled');
    expect(status[after.taskId]).toBe('succeeded');
    const longRow = rows.find((r) => r.taskId === long.taskId)!;
    // Heartbeats deliver the cancellation within about a second, far before the 60 s sleep.
    expect(longRow.finishedAt!.getTime() - cancelAt).toBeLessThan(10_000);
    expect(rows.find((r) => r.taskId === queued.taskId)!.startedAt).toBeNull();
  });

  it('refuses a live dedupeKey at intake (already_running / already_queued), and drops a repeated delivery', async () => {
    const a = `wf-dedupe-${randomUUID().slice(0, 8)}`;
    const first = spec('sleep', { ms: 1500 }, { dedupeKey: 'k1' });
    const second = spec('sleep', { ms: 10 }, { dedupeKey: 'k2' });
    await stack.submit(a, [first, second]);
    await eventually(async () => (await ledger(a)).find((r) => r.taskId === first.taskId)?.status === 'running', { what: 'first running' });
    await expect(stack.submit(a, [spec('sleep', { ms: 1 }, { dedupeKey: 'k1' })])).rejects.toMatchObject({
      code: 'already_running', details: { taskId: first.taskId },
    });
    await expect(stack.submit(a, [spec('sleep', { ms: 1 }, { dedupeKey: 'k2' })])).rejects.toMatchObject({
      code: 'already_queued', details: { taskId: second.taskId },
    });
    // A delivery repeated after a relay died before its mark carries known ids: the workflow drops them.
    const delivered = [first, second].map(({ taskId, type, submittedAtMs }) => ({ taskId, type, submittedAtMs }));
    await stack.api.engine.deliver(a, { tasks: delivered, backlog: 0 });
    const rows = await allFinished(a, 2);
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(rows.map((r) => r.attempts)).toEqual([1, 1]);
    // Once the key's task finished, the key is free again.
    await stack.submit(a, [spec('sleep', { ms: 1 }, { dedupeKey: 'k1' })]);
  });

  it('carries 500 tasks of one account through several continue-as-new runs, none lost or run twice', async () => {
    const a = `wf-can-${randomUUID().slice(0, 8)}`;
    const specs = Array.from({ length: 500 }, () => spec('sleep', { ms: 0 }));
    // Five signals of a hundred: submissions keep arriving while earlier runs continue-as-new.
    for (let i = 0; i < 500; i += 100) await stack.submit(a, specs.slice(i, i + 100));
    const rows = await eventually(async () => {
      const r = await ledger(a);
      return r.length === 500 && r.every((x) => x.status === 'succeeded') && r;
    }, { timeoutMs: 240_000, intervalMs: 500, what: '500 tasks succeeded' });
    expect(new Set(rows.map((r) => r.taskId)).size).toBe(500);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    expectSerialAndFifo(rows);
    const starts = await stack.db.database.db.select().from(taskEvents).where(eq(taskEvents.accountId, a));
    expect(starts.filter((e) => e.type === 'started')).toHaveLength(500);
    let runs = 0;
    for await (const _ of stack.client.workflow.list({ query: `WorkflowId = '${accountWorkflowId(a)}'` })) runs += 1;
    expect(runs).toBeGreaterThanOrEqual(500 / 60);
  });

  it('completes an idle account and starts it again on the next submission', async () => {
    const idle = await startStack(temporal, { driver: 'postgres', env: { ACCOUNT_IDLE_TIMEOUT_MS: '300' } });
    try {
      const a = `wf-idle-${randomUUID().slice(0, 8)}`;
      await idle.submit(a, [spec('sleep', { ms: 10 })]);
      const handle = idle.client.workflow.getHandle(accountWorkflowId(a));
      await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', { what: 'idle completion' });
      const firstRun = (await handle.describe()).runId;
      const next = spec('sleep', { ms: 10 });
      await idle.submit(a, [next]);
      await eventually(async () => {
        const rows = await idle.db.database.db.select().from(tasks).where(eq(tasks.taskId, next.taskId));
        return rows[0]?.status === 'succeeded';
      }, { what: 'task after restart' });
      const secondRun = (await idle.client.workflow.getHandle(accountWorkflowId(a)).describe()).runId;
      expect(secondRun).not.toBe(firstRun);
    } finally {
      await idle.stop();
    }
  });

  it('keeps FIFO with a rate-limited head: it returns to the head and nothing overtakes it', async () => {
    const a = `wf-rl-${randomUUID().slice(0, 8)}`;
    const limited = spec('simulate', { outcome: 'rate_limited', failTimes: 2 });
    const behind = [spec('sleep', { ms: 5 }), spec('sleep', { ms: 5 })];
    await stack.submit(a, [limited, ...behind]);
    const state = await eventually(async () => {
      const s = await stack.client.workflow.getHandle(accountWorkflowId(a)).query(getState, { withWaiting: true });
      return s.state === 'COOLDOWN' && s;
    }, { intervalMs: 20, what: 'cooldown' });
    expect(state.waiting?.[0]).toMatchObject({ taskId: limited.taskId, position: 0, waitingReason: 'account_cooldown' });
    expect(state.waiting?.[0]?.eta).toBeDefined();
    const rows = await allFinished(a, 3);
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(rows[0]!.attempts).toBe(3); // two rate-limited runs and the successful one
    const limitedFinish = rows[0]!.finishedAt!.getTime();
    for (const r of rows.slice(1)) expect(r.startedAt!.getTime()).toBeGreaterThanOrEqual(limitedFinish);
  });
});
