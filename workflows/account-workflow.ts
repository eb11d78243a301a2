/**
 * The account workflow (`workflowId = account:<accountId>`): a thin driver around ./account-state/.
 *
 * Concurrency guarantee: message handlers (./account/handlers.ts) only change state and never await; the
 * main loop below is the one place that starts tasks, and it awaits exactly one `runTasks` activity at a
 * time (./account/run-tasks.ts), which runs its tasks one after the other, so an account never runs two
 * tasks at once. Handlers may run while the loop awaits (an activity, a local activity, a timer): after
 * every await the loop decides again from the state as it is then. The ledger outbox (./account/outbox.ts)
 * writes what was decided, in order, beside the loop, so facts reach Postgres while a long task runs.
 */
import { allHandlersFinished, condition, continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import { decide, dehydrate, endsLongCooldown, settle, type Decision } from './account-state';
import { AccountDriver } from './account/driver';
import { registerHandlers } from './account/handlers';
import type { AccountWorkflowInput } from './account/options';
import { runTasksFrom } from './account/run-tasks';
import { runOneTask } from './legacy/run-one';

export type { AccountWorkflowInput, AccountWorkflowOptions } from './account/options';

export function accountWorkflowId(accountId: string): string {
  return `account:${accountId}`;
}

export async function accountWorkflow(input: AccountWorkflowInput): Promise<void> {
  const d = new AccountDriver(input);
  registerHandlers(d);
  void d.outbox.flushForever();

  for (;;) {
    settleTime(d);
    if (!d.outbox.flushed()) {
      // A task starts only once its queued row is written.
      await condition(() => d.outbox.flushed());
      continue;
    }
    if (workflowInfo().continueAsNewSuggested || d.state.tasksStarted >= d.options.continueAsNewAfterTasks) {
      // Between tasks only, after every handler has finished and every fact is written, so nothing is lost.
      await condition(() => allHandlersFinished() && d.outbox.flushed());
      await continueAsNew<typeof accountWorkflow>({
        ...input,
        settings: d.state.settings,
        carried: { snapshot: dehydrate(d.state), records: d.outbox.takeUnwritten() },
      });
    }
    const decision = decide(d.state, Date.now());
    if (decision.kind === 'run') {
      // Histories from before runs of tasks replay with one activity per task.
      if (patched('task-runs')) await runTasksFrom(d, decision.taskId);
      else await runOneTask(d, decision.taskId);
      continue;
    }
    d.publish();

    // Awaited here, not in a helper: an extra async frame would let the outbox's flush run ahead of this
    // loop within an activation, which changes the order of commands that recorded histories replay.
    const seen = d.wake;
    const wait = waitFor(d, decision);
    if (wait.kind === 'handler') {
      await condition(() => d.wake !== seen);
      continue;
    }
    if (wait.kind === 'timer') {
      await condition(() => d.wake !== seen, wait.ms, { summary: wait.summary });
      continue;
    }
    const woke = await condition(() => d.wake !== seen, d.options.idleTimeoutMs, { summary: 'idle' });
    if (!woke) {
      await condition(() => allHandlersFinished() && d.outbox.flushed() && !d.outbox.projectionDirty);
      if (accountIsQuiet(d)) return; // the next submission starts a new run (signal-with-start)
    }
  }
}

/** Ends a cooldown whose time has come. A cooldown that ended changes the stored view too (older histories wrote nothing here). */
function settleTime(d: AccountDriver): void {
  const { state } = d;
  const before = state.version;
  const now = Date.now();
  settle(state, now, endsLongCooldown(state, now) && patched('long-cooldown-resets-count'));
  if (state.version !== before && patched('settled-projection')) d.outbox.projectionDirty = true;
}

/**
 * What the loop waits for when it starts no task: a handler (an operator must act), a timer as well (a
 * cooldown's end, a scheduled task), or, with nothing to do, the idle timeout after which it completes.
 */
type Wait = { kind: 'handler' } | { kind: 'timer'; ms: number; summary: string } | { kind: 'idle' };

function waitFor(d: AccountDriver, decision: Exclude<Decision, { kind: 'run' }>): Wait {
  const idleSuspended = decision.kind === 'wait' && decision.reason === 'account_suspended' && suspendedMayComplete(d);
  if (decision.kind !== 'wait' || idleSuspended) return { kind: 'idle' };
  if (decision.untilMs === null) return { kind: 'handler' };
  const summary = decision.reason === 'account_cooldown' ? d.state.cooldown?.reason : 'next scheduled task';
  return { kind: 'timer', ms: Math.max(1, decision.untilMs - Date.now()), summary: summary ?? decision.reason };
}

/**
 * Nothing to do and nothing to remember but what the ledger keeps. A suspended account with an empty
 * queue counts (its suspension stays in the ledger and the next run starts with it); older histories
 * kept such a workflow running for ever.
 */
function suspendedMayComplete(d: AccountDriver): boolean {
  return d.state.queue.length === 0 && !d.state.running && patched('suspended-idle-completes');
}

function accountIsQuiet(d: AccountDriver): boolean {
  const { state, outbox } = d;
  return state.queue.length === 0 && !state.running && (!state.suspended || suspendedMayComplete(d)) && !state.cooldown
    && outbox.flushed() && !outbox.projectionDirty;
}
