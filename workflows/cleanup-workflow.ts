/**
 * The daily retention run: one activity that deletes expired interaction rows. Started by the Temporal
 * Schedule `baton-interactions-cleanup` (worker/schedules.ts).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';

type Activities = ReturnType<typeof createActivities>;

const { cleanupInteractions } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  retry: { maximumAttempts: 5, initialInterval: '10 seconds', backoffCoefficient: 2 },
  summary: 'delete expired interaction windows and events past retention',
});

export async function cleanupWorkflow(): Promise<{ deleted: { latest: number; events: number } }> {
  return cleanupInteractions();
}
