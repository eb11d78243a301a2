/**
 * The lease of a task's attempt: the fencing token of its start and Temporal's activity attempt. Every
 * ledger write about a running attempt carries it, and the ledger takes it only from the newest attempt,
 * so a stale one (Temporal gave up on it, yet it still runs) cannot overwrite what a newer one recorded.
 *
 * Two comparisons, written here once:
 * - `heldBy`: the task is running under exactly this lease (finish, progress, retry, errors, engage).
 * - `claimableBy`: the task has no lease yet or an older one (a claim takes it over).
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { tasks } from '../../db/schema';

export interface Lease {
  fencingToken: number;
  activityAttempt: number;
}

/** The task is running under exactly `lease`. */
export function heldBy(taskId: string, lease: Lease): SQL {
  return and(
    eq(tasks.taskId, taskId),
    eq(tasks.status, 'running'),
    eq(tasks.fencingToken, lease.fencingToken),
    eq(tasks.activityAttempt, lease.activityAttempt),
  )!;
}

/** The task's lease, if any, is older than `lease` (tokens first, then Temporal's attempts). */
export function claimableBy(lease: Lease): SQL {
  return sql`(${tasks.fencingToken} IS NULL OR (${tasks.fencingToken}, ${tasks.activityAttempt}) < (${lease.fencingToken}::bigint, ${lease.activityAttempt}::int))`;
}

/**
 * Whether `lease` still holds the task. The row is locked FOR SHARE until the transaction ends, so a newer
 * attempt cannot take the task over while the caller writes on the strength of this answer.
 */
export async function holdsLease(tx: Tx, taskId: string, lease: Lease): Promise<boolean> {
  const held = await tx.select({ taskId: tasks.taskId }).from(tasks).where(heldBy(taskId, lease)).for('share');
  return held.length > 0;
}
