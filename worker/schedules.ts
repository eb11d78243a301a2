/**
 * Temporal Schedules the worker makes sure exist. Created at every worker start; a schedule that already
 * exists (another worker, an earlier start) is left as it is, so operators may pause or retime it.
 */
import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ConnectionLike } from '@temporalio/client';
import type { Logger } from '../config/logger';
import { errorMessage } from '../activities/errors';

export const CLEANUP_SCHEDULE_ID = 'baton-interactions-cleanup';

export interface ScheduleDeps {
  connection: ConnectionLike;
  namespace: string;
  taskQueue: string;
  log: Logger;
}

/**
 * The daily retention run: the interaction tables, then the task ledger past `taskRetentionDays`
 * (activities/cleanup.ts). The id predates the task ledger's part and stays, so existing schedules are
 * kept. Resolves to whether this call created it.
 */
export async function ensureCleanupSchedule(deps: ScheduleDeps): Promise<boolean> {
  const client = new Client({ connection: deps.connection, namespace: deps.namespace });
  try {
    await client.schedule.create({
      scheduleId: CLEANUP_SCHEDULE_ID,
      // Off the hour, so it does not meet everyone else's cron jobs.
      spec: { calendars: [{ hour: 3, minute: 17 }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'cleanupWorkflow',
        workflowId: CLEANUP_SCHEDULE_ID,
        taskQueue: deps.taskQueue,
        workflowExecutionTimeout: '2 hours',
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      memo: { purpose: 'Baton: delete expired re-engagement windows, interaction events past eventRetentionDays, and finished tasks, their events and idle accounts past taskRetentionDays' },
    });
    deps.log.info({ scheduleId: CLEANUP_SCHEDULE_ID }, 'cleanup schedule created');
    return true;
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return false;
    // Not fatal: retention can wait for the next start or run through the API.
    deps.log.warn({ err: errorMessage(err), scheduleId: CLEANUP_SCHEDULE_ID }, 'cleanup schedule not created');
    return false;
  }
}
