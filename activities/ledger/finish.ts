/**
 * How an attempt ended: a terminal status, or `queued` again after a rate limit. Written only while the
 * attempt still holds its task (a newer attempt or a cancellation may have got there first). What the
 * ledger refuses to store (a result holding a NUL, one over `MAX_RESULT_CHARS`) fails the task instead.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { taskEvents, tasks } from '../../db/schema';
import type { TaskOutcome } from '../../workflows/types';
import { isDataRefusal, refusalMessage, storableError, storableText } from '../ledger-refusals';
import { heldBy, type Lease } from './lease';
import { statusOfOutcome } from '../../workflows/task-status';

/** The largest result the ledger keeps for a task, serialised (a larger one fails the task). */
export const MAX_RESULT_CHARS = 1024 * 1024;

/** Records how the attempt ended; false when the attempt no longer holds the task. */
export async function finishAttempt(
  db: Db,
  accountId: string,
  taskId: string,
  lease: Lease,
  outcome: TaskOutcome,
): Promise<boolean> {
  try {
    return await writeFinish(db, accountId, taskId, lease, outcome);
  } catch (err) {
    if (!isDataRefusal(err)) throw err;
    // What the task came to cannot be stored (a result holding a NUL, say): it fails, and says why.
    const error = { code: 'ledger_refused', message: refusalMessage(err, `what the task came to (${outcome.kind})`) };
    return writeFinish(db, accountId, taskId, lease, { kind: 'failed', error });
  }
}

/** The row's error and the event's data for an outcome. */
function finishDetails(outcome: TaskOutcome): { error: { code: string; message: string } | null; eventData: Record<string, unknown> } {
  switch (outcome.kind) {
    case 'succeeded':
      return { error: null, eventData: { result: outcome.result ?? null } };
    case 'failed': {
      const error = storableError(outcome.error);
      return { error, eventData: { error } };
    }
    case 'skipped': {
      const error = { code: 'skipped', message: storableText(outcome.reason) };
      return { error, eventData: { reason: error.message } };
    }
    case 'cancelled':
      return { error: { code: 'cancelled', message: 'cancelled while running' }, eventData: {} };
    case 'rate_limited': {
      const error = { code: 'rate_limited', message: storableText(outcome.message) };
      return { error, eventData: { message: error.message, retryAfterMs: outcome.retryAfterMs ?? null } };
    }
  }
}

function tooLarge(outcome: TaskOutcome): boolean {
  return outcome.kind === 'succeeded' && (JSON.stringify(outcome.result ?? null)?.length ?? 0) > MAX_RESULT_CHARS;
}

async function writeFinish(db: Db, accountId: string, taskId: string, lease: Lease, outcome: TaskOutcome): Promise<boolean> {
  if (tooLarge(outcome)) {
    const message = `the task's result is larger than ${MAX_RESULT_CHARS} characters of JSON, which the ledger does not keep`;
    return writeFinish(db, accountId, taskId, lease, { kind: 'failed', error: { code: 'result_too_large', message } });
  }
  const now = new Date().toISOString();
  const status = statusOfOutcome(outcome);
  const { error, eventData } = finishDetails(outcome);
  const result = outcome.kind === 'succeeded' && outcome.result != null ? JSON.stringify(outcome.result) : null;
  const finished = outcome.kind !== 'rate_limited';
  const eventType = outcome.kind === 'rate_limited' ? 'requeued' : status;
  // One statement (every task of a run ends here): the row, if this attempt still holds it, and its event.
  const { rows } = await db.execute<{ task_id: string }>(sql`
    WITH done AS (
      UPDATE ${tasks}
      SET status = ${status}, error = ${error === null ? null : JSON.stringify(error)}::jsonb,
          result = CASE WHEN ${outcome.kind === 'succeeded'}::boolean THEN ${result}::jsonb ELSE result END,
          finished_at = CASE WHEN ${finished}::boolean THEN ${now}::timestamptz ELSE finished_at END,
          updated_at = ${now}::timestamptz
      WHERE ${heldBy(taskId, lease)}
      RETURNING task_id
    )
    INSERT INTO ${taskEvents} (task_id, account_id, type, at, data)
    SELECT task_id, ${accountId}, ${eventType}, ${now}::timestamptz, ${JSON.stringify(eventData)}::jsonb FROM done
    RETURNING task_id`);
  return rows.length > 0;
}
