/**
 * The activities of the account workflow, built from their dependencies so tests and the worker wire
 * them the same way. The workflow proxies `ReturnType<typeof createActivities>`.
 */
import type { RecordAccountInput, RecordAccountResult, RunMember, RunMemberFact } from '../workflows/types';
import { Context } from '@temporalio/activity';
import { runRetention, type RetentionResult } from './cleanup';
import { readRunMembers, recordAccount } from './ledger';
import { errorMessage } from './errors';
import { createTaskRunners, type RunTaskDeps } from './run-task';

export type ActivityDeps = RunTaskDeps;

export function createActivities(deps: ActivityDeps) {
  const { runTask, runTasks } = createTaskRunners(deps);
  return {
    runTasks,
    /** Kept for workflows whose histories predate runs of tasks: they replay and finish with it. */
    runTask,
    /** Local activity: ledger facts the workflow decided (queued, deduplicated, cancelled, ...) and its projection. */
    async recordAccount(input: RecordAccountInput): Promise<RecordAccountResult> {
      return recordAccount(deps.db, input, (err, what) =>
        deps.log.error({ accountId: input.accountId, err: errorMessage(err) }, `the ledger refused ${what}`),
      );
    },
    /** Local activity: what the ledger says of a run's members when the run's activity gave no answer. */
    async readRunMembers(input: { accountId: string; members: Pick<RunMember, 'taskId' | 'fencingToken'>[] }): Promise<RunMemberFact[]> {
      return readRunMembers(deps.db, input.accountId, input.members);
    },
    /**
     * The daily retention run (the cleanup workflow): the interaction tables, then the task ledger. Its name
     * predates the task ledger's part; the workflow calls it by this name.
     */
    async cleanupInteractions(): Promise<RetentionResult> {
      const activity = Context.current();
      return runRetention(deps.db, deps.settings, {
        log: deps.log.child({ job: 'retention', via: 'schedule' }),
        onBatch: () => activity.heartbeat(),
      });
    },
  };
}
