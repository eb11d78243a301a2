/**
 * Claiming a task for an attempt. A task that already reached a terminal status is not run again (its
 * worker died after recording it), and a claim under an older lease than the task's is refused.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Writer } from '../../db/client';
import { taskEvents, tasks } from '../../db/schema';
import type { AccountView, TaskOutcome } from '../../workflows/types';
import { claimFollower, type FollowerClaim } from './claim-follower';
import { claimableBy, type Lease } from './lease';
import { isLive, LIVE_STATUSES, outcomeOfRow } from '../../workflows/task-status';
import { writeProjection } from './projection';

export type { FollowerClaim } from './claim-follower';

export type StartResult =
  /** `payload`: the task's, from its row (the workflow never carries payloads of tasks the ledger took in). */
  | { kind: 'started'; attempts: number; payload: unknown }
  /** The task is over already; `fencingToken` says whose attempt ended it. */
  | { kind: 'finished'; outcome: TaskOutcome; fencingToken: number | null }
  | { kind: 'stale' }
  | { kind: 'missing' };

/**
 * Claims the task for this attempt: running, attempts + 1, the new lease, its `started` event, and the
 * workflow's projection under the lease. A run's later member is claimed by `claimFollower` instead.
 */
export async function startAttempt(
  db: Db,
  taskId: string,
  lease: Lease,
  projection: AccountView,
  follower?: FollowerClaim & { type: string },
): Promise<StartResult> {
  if (follower) {
    const claimed = await claimFollower(db, follower, taskId, lease);
    return claimed === null ? readUnclaimed(db, taskId) : { kind: 'started', ...claimed };
  }
  return db.transaction(async (tx) => {
    const now = new Date();
    const claimed = await tx
      .update(tasks)
      .set({
        status: 'running',
        attempts: sql`${tasks.attempts} + 1`,
        fencingToken: lease.fencingToken,
        activityAttempt: lease.activityAttempt,
        startedAt: sql`coalesce(${tasks.startedAt}, ${now.toISOString()}::timestamptz)`,
        updatedAt: now,
      })
      .where(and(eq(tasks.taskId, taskId), inArray(tasks.status, LIVE_STATUSES), claimableBy(lease)))
      .returning({ attempts: tasks.attempts, accountId: tasks.accountId, payload: tasks.payload });
    const row = claimed[0];
    if (!row) return readUnclaimed(tx, taskId);
    await tx.insert(taskEvents).values({
      taskId, accountId: row.accountId, type: 'started', at: now,
      data: { attempt: row.attempts, fencingToken: lease.fencingToken, activityAttempt: lease.activityAttempt },
    });
    await writeProjection(tx, projection, lease);
    return { kind: 'started', attempts: row.attempts, payload: row.payload };
  });
}

/** Why a claim took nothing: the task is over (and how), held by a newer lease, or unknown. */
async function readUnclaimed(db: Writer, taskId: string): Promise<StartResult> {
  const [current] = await db
    .select({ status: tasks.status, result: tasks.result, error: tasks.error, fencingToken: tasks.fencingToken })
    .from(tasks)
    .where(eq(tasks.taskId, taskId));
  if (!current) return { kind: 'missing' };
  if (!isLive(current.status)) return { kind: 'finished', outcome: outcomeOfRow(current), fencingToken: current.fencingToken };
  return { kind: 'stale' };
}

/** Whether a cancel reached this task after a run started it (see the `cancel_requested` record). */
export async function cancelRequested(db: Db, taskId: string): Promise<boolean> {
  const [row] = await db.select({ at: tasks.cancelRequestedAt }).from(tasks).where(eq(tasks.taskId, taskId));
  return row?.at != null;
}
