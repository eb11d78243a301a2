/**
 * The activities of the account workflow, built from their dependencies so tests and the worker wire
 * them the same way. The workflow proxies `ReturnType<typeof createActivities>`.
 */
import type { RecordAccountInput } from '../workflows/types';
import { cleanupInteractions, type CleanupResult } from './cleanup';
import { recordAccount } from './ledger';
import { createRunTask, type RunTaskDeps } from './run-task';

export type ActivityDeps = RunTaskDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    runTask: createRunTask(deps),
    /** Local activity: ledger facts the workflow decided (queued, deduplicated, cancelled, ...) and its projection. */
    async recordAccount(input: RecordAccountInput): Promise<void> {
      await recordAccount(deps.db, input);
    },
    /** Retention of the interaction tables (the daily cleanup workflow). */
    async cleanupInteractions(): Promise<CleanupResult> {
      return cleanupInteractions(deps.db, deps.settings);
    },
  };
}
