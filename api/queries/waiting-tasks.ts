/** Every queued task across accounts, grouped by account in queue order, with positions and reasons. */
import type { z } from '@hono/zod-openapi';
import { asc, count, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { accountStates, tasks } from '../../db/schema';
import type { WaitingTask, WaitingTasks } from '../schemas';
import { waitingReasonFor } from './queued-places';

/** Queue order as the workflow keeps it: priority first, then the order it recorded them in. */
const queueOrder = [desc(tasks.priority), asc(tasks.seq)];

/** Every queued task grouped by account, in queue order, with positions and reasons. */
export async function waitingTasks(db: Db, limit: number): Promise<z.infer<typeof WaitingTasks>> {
  const rows = await db
    .select({
      taskId: tasks.taskId,
      accountId: tasks.accountId,
      type: tasks.type,
      priority: tasks.priority,
      runAfter: tasks.runAfter,
      createdAt: tasks.createdAt,
    })
    .from(tasks)
    .where(eq(tasks.status, 'queued'))
    .orderBy(asc(tasks.accountId), ...queueOrder)
    .limit(limit);
  const [total] = await db.select({ n: count() }).from(tasks).where(eq(tasks.status, 'queued'));
  const accountIds = [...new Set(rows.map((r) => r.accountId))];
  const accounts = accountIds.length
    ? await db.select().from(accountStates).where(inArray(accountStates.accountId, accountIds))
    : [];
  const byId = new Map(accounts.map((a) => [a.accountId, a]));
  const byAccount: Record<string, z.infer<typeof WaitingTask>[]> = {};
  const now = new Date();
  for (const r of rows) {
    const list = (byAccount[r.accountId] ??= []);
    list.push({
      taskId: r.taskId,
      type: r.type,
      position: list.length,
      waitingReason: waitingReasonFor(byId.get(r.accountId), r.runAfter, now),
      enqueuedAt: r.createdAt.toISOString(),
      priority: r.priority,
    });
  }
  return { total: total?.n ?? 0, truncated: (total?.n ?? 0) > rows.length, byAccount };
}

