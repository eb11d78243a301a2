/**
 * The task ledger's reads for `/api/tasks`: one task (with its place while queued), and the keyset-paged
 * list. They read the rows the intake and the activities write, never the workflows.
 */
import type { z } from '@hono/zod-openapi';
import { and, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { tasks } from '../../db/schema';
import type { WaitingReason } from '../../workflows/types';
import { ApiError } from '../http/errors';
import type { Task, TaskList } from '../schemas';
import { decodeCursor, encodeCursor } from './cursor';
import { taskStatusOf } from './ledger-values';
import { queuedPlaces, type QueuedPlace } from './queued-places';

export type TaskRow = typeof tasks.$inferSelect;
export type TaskView = z.infer<typeof Task>;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : undefined);

export function taskView(row: TaskRow, extra: QueuedPlace | Record<string, never> = {}): TaskView {
  return {
    taskId: row.taskId,
    accountId: row.accountId,
    type: row.type,
    payload: row.payload,
    status: taskStatusOf(row.status),
    ...extra,
    attempts: row.attempts,
    ...(row.dedupeKey ? { dedupeKey: row.dedupeKey } : {}),
    ...(row.dedupeReleasedAt ? { dedupeReleasedAt: iso(row.dedupeReleasedAt) } : {}),
    priority: row.priority,
    ...(row.runAfter ? { runAfter: iso(row.runAfter) } : {}),
    createdAt: row.createdAt.toISOString(),
    ...(row.startedAt ? { startedAt: iso(row.startedAt) } : {}),
    ...(row.finishedAt ? { finishedAt: iso(row.finishedAt) } : {}),
    ...(row.result !== null && row.result !== undefined ? { result: row.result } : {}),
    ...(row.error ? { error: row.error } : {}),
    ...(row.duplicateOf ? { duplicateOf: row.duplicateOf } : {}),
  };
}

export async function getTaskRow(db: Db, taskId: string): Promise<TaskRow | undefined> {
  const rows = await db.select().from(tasks).where(eq(tasks.taskId, taskId));
  return rows[0];
}

/** A task with its position, waiting reason and expected start while it is queued. */
export async function getTask(db: Db, taskId: string): Promise<TaskView | undefined> {
  const row = await getTaskRow(db, taskId);
  if (!row) return undefined;
  if (row.status !== 'queued') return taskView(row);
  const places = await queuedPlaces(db, [row]);
  return taskView(row, places.get(row.taskId) ?? {});
}

export interface ListTasksFilter {
  accountId?: string | undefined;
  status?: string | undefined;
  type?: string | undefined;
  /** Queued tasks waiting for this reason only (implies status `queued`). */
  waitingReason?: WaitingReason | undefined;
  /** `newest` first (the default) or `oldest` first. */
  order?: 'newest' | 'oldest' | undefined;
  limit: number;
  cursor?: string | undefined;
}

/**
 * A filter by waiting reason is applied to the rows as read (the reason comes from one function,
 * `waitingReasonFor`, not from a second copy of it in SQL), so a page reads at most this many batches of
 * `limit` rows: a rare reason may give a page shorter than `limit`, whose `nextCursor` goes on from there.
 */
const REASON_SCAN_BATCHES = 10;

/**
 * Keyset-paged on (createdAt, taskId) so pages never skip or repeat a row; newest first unless `oldest`.
 * Queued tasks carry their position, waiting reason and expected start.
 */
export async function listTasks(db: Db, f: ListTasksFilter): Promise<z.infer<typeof TaskList>> {
  const oldest = f.order === 'oldest';
  if (f.waitingReason && f.status && f.status !== 'queued') {
    throw new ApiError(400, 'validation_error', 'waitingReason applies to queued tasks only: leave status out or make it queued');
  }
  const where: SQL[] = [];
  if (f.accountId) where.push(eq(tasks.accountId, f.accountId));
  const status = f.waitingReason ? 'queued' : f.status;
  if (status) where.push(eq(tasks.status, status));
  if (f.type) where.push(eq(tasks.type, f.type));
  let after: { at: Date; id: string } | null = null;
  if (f.cursor) {
    const parts = decodeCursor(f.cursor, oldest ? ['string', 'string', 'string'] : ['string', 'string']) as string[];
    const at = new Date(parts[0]!);
    if (Number.isNaN(at.getTime()) || (oldest && parts[2] !== 'oldest')) throw new ApiError(400, 'invalid_cursor', 'the cursor is not one this API handed out');
    after = { at, id: parts[1]! };
  }
  const items: TaskView[] = [];
  let last: TaskRow | null = null;
  let more = false;
  for (let batch = 0; batch < (f.waitingReason ? REASON_SCAN_BATCHES : 1) && items.length < f.limit; batch++) {
    const keyset = after
      ? oldest
        ? or(gt(tasks.createdAt, after.at), and(eq(tasks.createdAt, after.at), gt(tasks.taskId, after.id)))!
        : or(lt(tasks.createdAt, after.at), and(eq(tasks.createdAt, after.at), lt(tasks.taskId, after.id)))!
      : undefined;
    const conditions = keyset ? [...where, keyset] : where;
    const rows = await db
      .select()
      .from(tasks)
      .where(conditions.length ? and(...conditions) : undefined)
      // Ordered as the indexes are built (DESC NULLS LAST, read backwards for oldest first): a plain DESC
      // means NULLS FIRST and would sort the whole table.
      .orderBy(...(oldest
        ? [sql`${tasks.createdAt} asc nulls first`, sql`${tasks.taskId} asc nulls first`]
        : [sql`${tasks.createdAt} desc nulls last`, sql`${tasks.taskId} desc nulls last`]))
      .limit(f.limit + 1);
    const places = await queuedPlaces(db, rows);
    let consumed = 0;
    for (const row of rows) {
      if (items.length === f.limit) break;
      consumed += 1;
      last = row;
      const place = places.get(row.taskId);
      if (f.waitingReason && place?.waitingReason !== f.waitingReason) continue;
      items.push(taskView(row, place ?? {}));
    }
    more = consumed < rows.length || rows.length > f.limit;
    if (!more || !last) break;
    after = { at: last.createdAt, id: last.taskId };
  }
  const cursorOf = (row: TaskRow) => encodeCursor(oldest ? [row.createdAt.toISOString(), row.taskId, 'oldest'] : [row.createdAt.toISOString(), row.taskId]);
  return { items, nextCursor: more && last ? cursorOf(last) : null };
}

