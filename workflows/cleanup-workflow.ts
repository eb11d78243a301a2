/**
 * The daily retention run: one activity that deletes what is past retention, the interaction tables first,
 * then the task ledger in bounded batches (activities/cleanup.ts `runRetention`). Started by the Temporal
 * Schedule `baton-interactions-cleanup` (worker/schedules.ts). The activity keeps its first name,
 * `cleanupInteractions`, so the histories of earlier runs replay.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { RetentionResult } from '../activities/cleanup';

type Activities = ReturnType<typeof createActivities>;

const { cleanupInteractions } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  // It heartbeats after every batch: a worker that died mid-run is noticed in minutes, not half an hour.
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5, initialInterval: '10 seconds', backoffCoefficient: 2 },
  summary: 'delete interaction windows, events and finished tasks past retention',
});

export async function cleanupWorkflow(): Promise<RetentionResult> {
  return cleanupInteractions();
}
