/** What a running attempt notes on its way (progress, a retry to come), kept only while it holds its task. */
import type { Db } from '../../db/client';
import { taskEvents } from '../../db/schema';
import { storableError } from '../ledger-refusals';
import { holdsLease, type Lease } from './lease';

/** A progress event from the handler; dropped when the attempt no longer holds the task. */
export async function recordProgress(db: Db, accountId: string, taskId: string, lease: Lease, data: Record<string, unknown>): Promise<void> {
  await db.transaction(async (tx) => {
    if (await holdsLease(tx, taskId, lease)) await tx.insert(taskEvents).values({ taskId, accountId, type: 'progress', data });
  });
}

/** A transient failure that Temporal will retry; dropped when the attempt no longer holds the task. */
export async function recordRetry(db: Db, accountId: string, taskId: string, lease: Lease, error: { code: string; message: string }): Promise<void> {
  await db.transaction(async (tx) => {
    if (!(await holdsLease(tx, taskId, lease))) return;
    await tx.insert(taskEvents).values({ taskId, accountId, type: 'retry', data: { error: storableError(error), activityAttempt: lease.activityAttempt } });
  });
}
