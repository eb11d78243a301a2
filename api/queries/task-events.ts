/**
 * A task's lifecycle events (`task_events`, append-only), read for its event stream: pages after an id in
 * id order, and whether the stream already sent the terminal one.
 */
import type { z } from '@hono/zod-openapi';
import { and, asc, eq, gt, inArray, lte } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { taskEvents } from '../../db/schema';
import { TERMINAL_STATUSES } from '../../workflows/types';
import type { TaskEvent } from '../schemas';
import { taskEventDataOf } from './ledger-values';

/** Whether the task has a terminal event with an id up to `id`: a stream resumed after it has nothing more to send. */
export async function endedBy(db: Db, taskId: string, id: number): Promise<boolean> {
  const [done] = await db
    .select({ id: taskEvents.id })
    .from(taskEvents)
    .where(and(eq(taskEvents.taskId, taskId), lte(taskEvents.id, id), inArray(taskEvents.type, [...TERMINAL_STATUSES])))
    .limit(1);
  return done !== undefined;
}

/** Up to `limit` of the task's events after id `after`, oldest first, as the stream sends them. */
export async function taskEventsAfter(db: Db, taskId: string, after: number, limit: number): Promise<z.infer<typeof TaskEvent>[]> {
  const rows = await db
    .select()
    .from(taskEvents)
    .where(and(eq(taskEvents.taskId, taskId), gt(taskEvents.id, after)))
    .orderBy(asc(taskEvents.id))
    .limit(limit);
  return rows.map((r) => ({ id: r.id, taskId: r.taskId, accountId: r.accountId, type: r.type, at: r.at.toISOString(), data: taskEventDataOf(r.data) }));
}
