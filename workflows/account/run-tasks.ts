/**
 * One run: the task `decide` chose and, behind it in the same `runTasks` activity, the queued tasks that
 * would follow it at once. The state machine plans it (`startRun`) and applies its answers as if each
 * task had run alone (`finishRun`); this module carries the activity out and records what it is told to.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
} from '@temporalio/workflow';
import {
  answersFromLedger,
  finishRun,
  LEDGER_UNAVAILABLE,
  returnUnstarted,
  startRun,
  taskTimeoutFor,
  updateSettings,
  view,
  type RunAnswer,
  type RunPatches,
  type RunPlan,
} from '../account-state';
import type { RunMember } from '../types';
import { errorMessage } from '../error-message';
import type { AccountDriver } from './driver';
import { ledgerActivities, RUN_PAYLOAD_CHARS, taskRetryPolicy, type Activities } from './options';

/** Asked lazily, where the state machine decides: each `patched` call records a marker in new histories. */
const runPatches: RunPatches = {
  requeueUnstartedHead: () => patched('unstarted-head-requeued'),
  requeueAfterLedgerOutage: () => patched('ledger-outage-requeues'),
};

/** Whether a run's activity failed last because Postgres was unreachable (see `ledgerReachable`). */
function ledgerWasUnreachable(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === LEDGER_UNAVAILABLE;
}

export async function runTasksFrom(d: AccountDriver, headId: string): Promise<void> {
  const { state, options, slot } = d;
  // A run ends where continue-as-new is due, so a history never holds more task starts than promised.
  const maxTasks = Math.max(1, Math.min(options.runMaxTasks ?? 1, options.continueAsNewAfterTasks - state.tasksStarted));
  const plan = startRun(state, headId, Date.now(), maxTasks, RUN_PAYLOAD_CHARS);
  const { members, head } = plan;
  slot.run = { members, ids: new Set(members.map((m) => m.taskId)), lowestPriority: plan.lowestPriority, fence: null, fenceWritten: false };
  d.publish();
  d.outbox.projectionDirty = false; // the activity writes the projection with the first task's start
  const windowMs = options.runWindowMs ?? 1000;
  const { runTasks } = proxyActivities<Activities>({
    // Every member gets a whole task timeout: none starts after the window.
    startToCloseTimeout: Math.max(...members.map((m) => taskTimeoutFor(state.settings, m.type))) + (members.length > 1 ? windowMs : 0),
    heartbeatTimeout: options.heartbeatTimeoutMs,
    retry: taskRetryPolicy(state.settings),
    // Wait for the activity to stop: the account's next task must not start beside a cancelled one.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary: members.length > 1 ? `${members.length} tasks from ${head.task.taskId}` : `task ${head.task.taskId} ${head.task.type}`,
  });
  let answers: RunAnswer[];
  const scope = new CancellationScope();
  slot.scope = scope;
  try {
    const result = await scope.run(() =>
      runTasks({ accountId: d.accountId, members, maxAttempts: state.settings.maxAttempts, windowMs, projection: view(state, Date.now(), false) }),
    );
    answers = result.ran;
    updateSettings(state, result.settings);
  } catch (err) {
    answers = await answersWithoutReply(d, members, err);
  } finally {
    slot.scope = null;
    slot.run = null;
  }
  applyAnswers(d, plan, answers);
}

function applyAnswers(d: AccountDriver, plan: RunPlan, answers: RunAnswer[]): void {
  if (answers.length === 0 && runPatches.requeueUnstartedHead()) {
    // The run never claimed its first task (Postgres was down longer than its retries): nothing ran.
    returnUnstarted(d.state);
    d.outbox.projectionDirty = true;
    return;
  }
  const step = finishRun(d.state, plan, answers, Date.now(), () => Math.random());
  d.outbox.record(...step.records);
  d.outbox.projectionDirty = true;
  // What changed the account's availability, for the worker's log (replay-aware: no command, no repeat).
  for (const { taskId, cooldown, breakerChange } of step.effects) {
    if (breakerChange) log.info('circuit breaker changed', { accountId: d.accountId, taskId, from: breakerChange.from, to: breakerChange.to, reason: breakerChange.reason });
    if (cooldown) log.info('account cools down', { accountId: d.accountId, taskId, until: new Date(cooldown.untilMs).toISOString(), reason: cooldown.reason });
  }
}

/** The run's activity gave no answer (Temporal gave up on it, or it was cancelled): ask the ledger. */
async function answersWithoutReply(d: AccountDriver, members: RunMember[], err: unknown): Promise<RunAnswer[]> {
  const facts = await ledgerActivities.readRunMembers({
    accountId: d.accountId,
    members: members.map(({ taskId, fencingToken }) => ({ taskId, fencingToken })),
  });
  const stop = { cancelled: isCancellation(err), ledgerUnreachable: ledgerWasUnreachable(err), message: errorMessage(err) };
  const { answers, records } = answersFromLedger(facts, members, stop, runPatches);
  d.outbox.record(...records);
  return answers;
}
