/**
 * What became of each member of a run whose activity gave no answer (Temporal gave up on it, or it was
 * cancelled): finished by this run (the row carries its token), started and not finished, or not started.
 */
import { inArray } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client';
import { tasks } from '../../db/schema';
import type { RunMemberFact } from '../../workflows/types';
import { outcomeOfRow } from '../../workflows/task-status';
import { raiseRunFence } from './projection';

type Member = { taskId: string; fencingToken: number };

export async function readRunMembers(db: Db, accountId: string, members: Member[]): Promise<RunMemberFact[]> {
  return db.transaction(async (tx) => {
    // An attempt Temporal gave up on may still be alive: from here on it starts no further member, and
    // every member it did start is in what we read.
    await raiseRunFence(tx, accountId, Math.max(...members.map((m) => m.fencingToken)));
    return readMembers(tx, members);
  });
}

async function readMembers(tx: Tx, members: Member[]): Promise<RunMemberFact[]> {
  const rows = await tx
    .select({
      taskId: tasks.taskId, status: tasks.status, result: tasks.result, error: tasks.error,
      fencingToken: tasks.fencingToken, cancelRequestedAt: tasks.cancelRequestedAt,
    })
    .from(tasks)
    .where(inArray(tasks.taskId, members.map((m) => m.taskId)));
  const byId = new Map(rows.map((r) => [r.taskId, r]));
  return members.map(({ taskId, fencingToken }): RunMemberFact => {
    const row = byId.get(taskId);
    // Cancelled before the run reached it (the workflow's own cancel, under no token of the run).
    if (row?.status === 'cancelled' && row.fencingToken !== fencingToken) return { taskId, state: 'finished', outcome: { kind: 'cancelled' } };
    if (!row || row.fencingToken !== fencingToken) return { taskId, state: 'not_started' };
    if (row.status === 'running') return { taskId, state: 'started', cancelRequested: row.cancelRequestedAt !== null };
    // Anything else ended under this run's token; `queued` again means the member was rate limited.
    return { taskId, state: 'finished', outcome: outcomeOfRow(row) };
  });
}
