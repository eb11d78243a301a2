/**
 * One fact the workflow decided about a task (queued, deduplicated, rejected, cancelled, failed, a cancel
 * request), written to its task row and event. Each write is idempotent: a fact already recorded, or a
 * task already past the status the fact ends, changes nothing.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Writer } from '../../db/client';
import { taskEvents, tasks } from '../../db/schema';
import type { TaskRecord, TaskSpec, TaskStatus } from '../../workflows/types';
import { storableError } from '../ledger-refusals';
import { LIVE_STATUSES } from '../../workflows/task-status';

export type QueuedRecord = Extract<TaskRecord, { kind: 'queued' }>;
export type OtherRecord = Exclude<TaskRecord, { kind: 'queued' }>;

export const isQueued = (r: TaskRecord): r is QueuedRecord => r.kind === 'queued';

function taskRow(spec: TaskSpec, accountId: string, status: TaskStatus) {
  return {
    taskId: spec.taskId,
    accountId,
    type: spec.type,
    payload: spec.payload ?? null,
    status,
    dedupeKey: spec.dedupeKey ?? null,
    priority: spec.priority ?? 0,
    runAfter: spec.runAfterMs === undefined ? null : new Date(spec.runAfterMs),
    createdAt: new Date(spec.submittedAtMs),
  };
}

/** Queued facts in order (their rows take `seq` in this order); an id already known is left as it is. */
export async function writeQueued(tx: Writer, accountId: string, records: QueuedRecord[]): Promise<void> {
  const inserted = await tx
    .insert(tasks)
    .values(records.map((r) => taskRow(r.task, accountId, 'queued')))
    .onConflictDoNothing()
    .returning({ taskId: tasks.taskId });
  if (!inserted.length) return;
  const fresh = new Set(inserted.map((r) => r.taskId));
  await tx.insert(taskEvents).values(
    records.filter((r) => fresh.has(r.task.taskId)).map((r) => ({ taskId: r.task.taskId, accountId, type: 'queued', at: new Date(r.enqueuedAtMs) })),
  );
}

/** Writes one fact; returns the task id when a `cancel_requested` record found its task running. */
export async function writeRecord(tx: Writer, accountId: string, r: OtherRecord): Promise<string | null> {
  switch (r.kind) {
    case 'deduplicated':
    case 'rejected':
      await writeTurnedAway(tx, accountId, r);
      return null;
    case 'cancelled':
    case 'failed':
      await writeEnded(tx, accountId, r);
      return null;
    case 'cancel_requested':
      return writeCancelRequest(tx, accountId, r);
  }
}

/** A task the workflow never queued: its row is born terminal. */
async function writeTurnedAway(tx: Writer, accountId: string, r: Extract<TaskRecord, { kind: 'deduplicated' | 'rejected' }>): Promise<void> {
  const status = r.kind === 'deduplicated' ? 'deduplicated' : 'failed';
  const error = r.kind === 'deduplicated'
    ? { code: r.code, message: `dedupeKey ${JSON.stringify(r.task.dedupeKey)} belongs to live task ${r.existingTaskId}` }
    : { code: r.code, message: r.message };
  const inserted = await tx
    .insert(tasks)
    .values({
      ...taskRow(r.task, accountId, status),
      finishedAt: new Date(),
      error,
      duplicateOf: r.kind === 'deduplicated' ? r.existingTaskId : null,
    })
    .onConflictDoNothing()
    .returning({ taskId: tasks.taskId });
  if (inserted.length) await tx.insert(taskEvents).values({ taskId: r.task.taskId, accountId, type: status, data: { error } });
}

/** A live task the workflow ended: cancelled, or failed without an attempt's say. */
async function writeEnded(tx: Writer, accountId: string, r: Extract<TaskRecord, { kind: 'cancelled' | 'failed' }>): Promise<void> {
  const now = new Date();
  const error = storableError(r.kind === 'failed' ? r.error : { code: 'cancelled', message: r.reason });
  const updated = await tx
    .update(tasks)
    .set({ status: r.kind, finishedAt: now, error, updatedAt: now })
    .where(and(eq(tasks.taskId, r.taskId), inArray(tasks.status, LIVE_STATUSES)))
    .returning({ taskId: tasks.taskId });
  if (updated.length) await tx.insert(taskEvents).values({ taskId: r.taskId, accountId, type: r.kind, data: { error } });
}

async function writeCancelRequest(tx: Writer, accountId: string, r: Extract<TaskRecord, { kind: 'cancel_requested' }>): Promise<string | null> {
  const now = new Date();
  // Still queued: the run has not reached it and now never will (its claim needs `queued`).
  const error = storableError({ code: 'cancelled', message: r.reason });
  const cancelled = await tx
    .update(tasks)
    .set({ status: 'cancelled', finishedAt: now, error, updatedAt: now })
    .where(and(eq(tasks.taskId, r.taskId), eq(tasks.status, 'queued')))
    .returning({ taskId: tasks.taskId });
  if (cancelled.length) {
    await tx.insert(taskEvents).values({ taskId: r.taskId, accountId, type: 'cancelled', data: { error } });
    return null;
  }
  // Running: the attempt reads the mark when Temporal cancels the run, and records `cancelled` itself.
  const marked = await tx
    .update(tasks)
    .set({ cancelRequestedAt: now, updatedAt: now })
    .where(and(eq(tasks.taskId, r.taskId), eq(tasks.status, 'running')))
    .returning({ taskId: tasks.taskId });
  return marked.length ? r.taskId : null;
}
