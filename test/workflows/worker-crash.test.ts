/**
 * A worker process killed with SIGKILL in the middle of a task: after its heartbeat timeout Temporal
 * runs the task again on a new worker; the ledger shows it finished once and the queue behind continues.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { taskEvents, tasks } from '../../db/schema';
import type { Child } from '../helpers/processes';
import { stackPerFile } from '../helpers/stack-per-file';
import { eventually } from '../helpers/wait';

const { stack } = stackPerFile({ driver: 'postgres', worker: false, env: { TASK_HEARTBEAT_TIMEOUT_MS: '2000' } });

const startWorkerProcess = (): Child => stack.spawnWorker();

it('finishes a task once after its worker is SIGKILLed mid-run, and the queue continues', async () => {
  const a = `crash-${randomUUID().slice(0, 8)}`;
  const { db } = stack.db.database;
  const first = startWorkerProcess();
  const long = { taskId: randomUUID(), type: 'sleep', payload: { ms: 4000 }, submittedAtMs: Date.now() };
  const behind = Array.from({ length: 3 }, () => ({ taskId: randomUUID(), type: 'sleep', payload: { ms: 50 }, submittedAtMs: Date.now() }));
  await stack.submit(a, [long, ...behind]);
  await eventually(async () => (await db.select().from(tasks).where(eq(tasks.taskId, long.taskId)))[0]?.status === 'running', {
    timeoutMs: 60_000, what: 'the long task running on the first worker',
  });
  await first.stop('SIGKILL');
  startWorkerProcess();
  const rows = await eventually(async () => {
    const r = await db.select().from(tasks).where(eq(tasks.accountId, a)).orderBy(asc(tasks.seq));
    return r.length === 4 && r.every((x) => x.status === 'succeeded') && r;
  }, { timeoutMs: 90_000, intervalMs: 250, what: 'all four tasks succeeded' });
  expect(rows[0]!.taskId).toBe(long.taskId);
  expect(rows[0]!.attempts).toBe(2); // the killed run and the one that finished
  const events = await db.select().from(taskEvents).where(eq(taskEvents.taskId, long.taskId));
  expect(events.filter((e) => e.type === 'started')).toHaveLength(2);
  expect(events.filter((e) => e.type === 'succeeded')).toHaveLength(1);
  for (let i = 1; i < rows.length; i++) {
    expect(rows[i]!.startedAt!.getTime()).toBeGreaterThanOrEqual(rows[i - 1]!.finishedAt!.getTime());
  }
});

it('drains on SIGTERM: the running task finishes, the worker exits 0, the next worker takes the queue', async () => {
  const a = `drain-${randomUUID().slice(0, 8)}`;
  const { db } = stack.db.database;
  for (const c of stack.children) await c.stop('SIGKILL');
  const worker = startWorkerProcess();
  const running = { taskId: randomUUID(), type: 'sleep', payload: { ms: 2500 }, submittedAtMs: Date.now() };
  const next = { taskId: randomUUID(), type: 'sleep', payload: { ms: 10 }, submittedAtMs: Date.now() };
  await stack.submit(a, [running, next]);
  await eventually(async () => (await db.select().from(tasks).where(eq(tasks.taskId, running.taskId)))[0]?.status === 'running', {
    timeoutMs: 60_000, what: 'task running',
  });
  await worker.stop('SIGTERM', 30_000);
  expect(worker.proc.exitCode).toBe(0);
  const [row] = await db.select().from(tasks).where(eq(tasks.taskId, running.taskId));
  expect(row).toMatchObject({ status: 'succeeded', attempts: 1 });
  startWorkerProcess();
  await eventually(async () => (await db.select().from(tasks).where(eq(tasks.taskId, next.taskId)))[0]?.status === 'succeeded', {
    timeoutMs: 60_000, what: 'next task on the new worker',
  });
});
