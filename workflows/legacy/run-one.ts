/**
 * The path before runs of tasks: one `runTask` activity per task. Histories recorded before the
 * `task-runs` patch replay through it; no new run takes it. It goes in two steps (docs/workflow-changes.md):
 * `deprecatePatch('task-runs')` once no open workflow predates the patch, then this file with it once
 * no history that must replay still holds it.
 */
import { CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import { errorMessage } from '../error-message';
import type { AccountDriver } from '../account/driver';
import { taskRetryPolicy, type Activities } from '../account/options';
import { applyOutcome, beginTask, taskTimeoutFor, updateSettings, view } from '../account-state';
import type { TaskOutcome } from '../types';

export async function runOneTask(d: AccountDriver, taskId: string): Promise<void> {
  const { state, slot, outbox } = d;
  const running = beginTask(state, taskId, Date.now());
  d.publish();
  outbox.projectionDirty = false; // runTask writes the projection with the task's start
  const { task, fencingToken } = running;
  const { runTask } = proxyActivities<Activities>({
    startToCloseTimeout: taskTimeoutFor(state.settings, task.type),
    heartbeatTimeout: d.options.heartbeatTimeoutMs,
    retry: taskRetryPolicy(state.settings),
    summary: `task ${task.taskId} ${task.type}`,
  });
  let outcome: TaskOutcome;
  const scope = new CancellationScope();
  slot.scope = scope;
  try {
    const result = await scope.run(() =>
      runTask({
        accountId: d.accountId,
        taskId: task.taskId,
        type: task.type,
        payload: task.payload,
        attempts: task.attempts,
        fencingToken,
        maxAttempts: state.settings.maxAttempts,
        projection: view(state, Date.now(), false),
      }),
    );
    outcome = result.outcome;
    updateSettings(state, result.settings);
  } catch (err) {
    if (isCancellation(err)) {
      outcome = { kind: 'cancelled' };
      outbox.record({ kind: 'cancelled', taskId: task.taskId, reason: 'cancelled while running' });
    } else {
      // Retries exhausted, or the task timed out: the activity could not record it, so we do.
      const error = { code: 'attempts_exhausted', message: errorMessage(err) };
      outcome = { kind: 'failed', error };
      outbox.record({ kind: 'failed', taskId: task.taskId, fencingToken, error });
    }
  } finally {
    slot.scope = null;
  }
  applyOutcome(state, outcome, Date.now(), Math.random());
  outbox.projectionDirty = true;
}
