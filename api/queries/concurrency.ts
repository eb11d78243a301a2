/** `GET /api/metrics/concurrency`: accounts by state and the tasks the one-at-a-time rule holds back, from the ledger. */
import type { z } from '@hono/zod-openapi';
import { count, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { accountStates, tasks } from '../../db/schema';
import type { ConcurrencyMetrics } from '../schemas';

export async function concurrencyMetrics(db: Db): Promise<z.infer<typeof ConcurrencyMetrics>> {
  const [row] = await db
    .select({
      total: count(),
      running: sql<number>`count(*) filter (where ${accountStates.runningTaskId} is not null)`.mapWith(Number),
      waiting: sql<number>`count(*) filter (where ${accountStates.queueLength} > 0)`.mapWith(Number),
      cooldown: sql<number>`count(*) filter (where ${accountStates.state} = 'COOLDOWN' and ${accountStates.cooldownUntil} > now())`.mapWith(Number),
      suspended: sql<number>`count(*) filter (where ${accountStates.state} = 'SUSPENDED')`.mapWith(Number),
      queued: sql<number>`coalesce(sum(${accountStates.queueLength}), 0)`.mapWith(Number),
      blocks: sql<number>`coalesce(sum(${accountStates.queueLength}) filter (where ${accountStates.runningTaskId} is not null), 0)`.mapWith(Number),
    })
    .from(accountStates);
  // Counted over the partial index on the flag (see migration 0007 for when a task gets it).
  const [waited] = await db.select({ n: count() }).from(tasks).where(sql`waited_for_account`);
  return {
    totalAccountsTracked: row?.total ?? 0,
    accountsRunning: row?.running ?? 0,
    accountsWaiting: row?.waiting ?? 0,
    accountsCooldown: row?.cooldown ?? 0,
    accountsSuspended: row?.suspended ?? 0,
    totalTasksQueuedWaiting: row?.queued ?? 0,
    /**
     * Tasks in the ledger that had to wait for another task of their account: when they started, the
     * account's previous task to start had not finished by the time they were acknowledged. A running
     * total kept in the ledger (restarts do not reset it; deleting old tasks removes theirs).
     */
    totalConcurrencyBlocks: waited?.n ?? 0,
    /** Queued tasks held back right now because their account runs one: the rule at work. */
    currentConcurrencyBlocks: row?.blocks ?? 0,
    tasksRunning: row?.running ?? 0,
  };
}
