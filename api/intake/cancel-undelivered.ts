/**
 * Cancels a task the relay has not yet handed to its workflow: only the ledger has it, so one statement
 * ends it (row and event). False when the relay delivered it meanwhile;
 * the workflow is then told instead. Should a relay have read the row just before, the workflow receives
 * a task the ledger already ended, and its claim finds it cancelled.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { taskEvents, tasks } from '../../db/schema';

export async function cancelUndelivered(db: Db, accountId: string, taskId: string, reason: string): Promise<boolean> {
  const error = JSON.stringify({ code: 'cancelled', message: reason });
  const result = await db.execute(sql`
    WITH cancelled AS (
      UPDATE ${tasks} SET status = 'cancelled', error = ${error}::jsonb, finished_at = now(), updated_at = now()
      WHERE task_id = ${taskId} AND status = 'queued' AND delivered_at IS NULL
      RETURNING task_id
    ), event AS (
      INSERT INTO ${taskEvents} (task_id, account_id, type, data)
      SELECT task_id, ${accountId}, 'cancelled', jsonb_build_object('error', ${error}::jsonb) FROM cancelled
    )
    SELECT task_id FROM cancelled`);
  return (result as unknown as { rows: unknown[] }).rows.length > 0;
}
