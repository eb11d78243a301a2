/**
 * The account workflow (`workflowId = account:<accountId>`): a thin driver around ./account-state.ts.
 *
 * Concurrency guarantee: message handlers only change state and never await; the main loop is the single
 * executor and awaits exactly one `runTasks` activity at a time, which runs its tasks one after the other,
 * so an account never runs two tasks at once. Handlers may run while the loop awaits (an activity, a local
 * activity, a timer): after every await the loop decides again from the state as it is then; what they
 * decide during a run reaches the activity through the ledger (the run fence, a task's cancel mark).
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  acceptDelivered,
  applyOutcome,
  beginTask,
  cancelTask,
  checkSubmit,
  createAccountState,
  decide,
  dehydrate,
  endsLongCooldown,
  LEDGER_UNAVAILABLE,
  endCooldown as endCooldownNow,
  enqueueTasks,
  hydrate,
  planRun,
  positionOf,
  reserveTokens,
  resume as resumeAccount,
  returnUnstarted,
  runGoesOnAfter,
  settle,
  startManualCooldown,
  taskTimeoutFor,
  suspend as suspendAccount,
  updateSettings,
  view,
  type AccountSnapshot,
  type EnqueueResult,
} from './account-state';
import * as messages from './messages';
import { AccountStateKey, CooldownUntilKey, QueueLengthKey, queueLengthToPublish } from './search-attributes';
import type { EngineSettings, RunMember, RunTasksResult, TaskOutcome, TaskRecord, TaskSpec } from './types';

type Activities = ReturnType<typeof createActivities>;

export interface AccountWorkflowOptions {
  /** An account idle and empty this long completes; the next submission starts it again. */
  idleTimeoutMs: number;
  /** Continue-as-new after this many task starts even when Temporal does not suggest it yet. */
  continueAsNewAfterTasks: number;
  /** A running task that stops heartbeating this long is retried (its worker is presumed dead). */
  heartbeatTimeoutMs: number;
  /**
   * Queued tasks one activity may run back to back (the first included), each with its own ledger claim,
   * record and fencing token. 1 runs every task in its own activity. (Default: 1, for inputs from before runs)
   */
  runMaxTasks?: number;
  /** A run starts no further task once it has lasted this long. (Default: 1000) */
  runWindowMs?: number;
}

/** Payload characters one run carries in all (Temporal refuses inputs above 2 MB). */
const RUN_PAYLOAD_CHARS = 256 * 1024;

export interface AccountWorkflowInput {
  accountId: string;
  settings: EngineSettings;
  options: AccountWorkflowOptions;
  /** What a previous run carried across continue-as-new. */
  carried?: { snapshot: AccountSnapshot; records: TaskRecord[] };
  /**
   * An operator's suspension the ledger holds for an account whose workflow had completed (a suspended
   * account with nothing queued completes when idle): a new run starts suspended.
   */
  suspended?: { reason: string; atMs: number };
}

/** Temporal's retries of a task's activity: transient failures, timeouts, a worker that died. */
function taskRetryPolicy(settings: EngineSettings) {
  return {
    maximumAttempts: settings.maxAttempts,
    initialInterval: settings.retryInitialMs,
    backoffCoefficient: 2,
    maximumInterval: settings.retryMaxMs,
  };
}

/** Whether a run's activity failed last because Postgres was unreachable (see `ledgerReachable`). */
function ledgerWasUnreachable(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === LEDGER_UNAVAILABLE;
}

export function accountWorkflowId(accountId: string): string {
  return `account:${accountId}`;
}

const { recordAccount, readRunMembers } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  // The ledger is a projection of this workflow: keep trying until Postgres answers, never drop a fact.
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
  summary: 'record ledger and account state',
});

export async function accountWorkflow(input: AccountWorkflowInput): Promise<void> {
  const { accountId, options } = input;
  // Start time × 1000 outgrows any token an earlier run handed out (one per task), so tokens only rise.
  const state = input.carried
    ? hydrate(input.carried.snapshot)
    : createAccountState(accountId, input.settings, Date.now() * 1000);
  if (!input.carried && input.suspended) suspendAccount(state, input.suspended.reason, input.suspended.atMs);
  const records: TaskRecord[] = [...(input.carried?.records ?? [])];
  let projectionDirty = true;
  let wake = 0; // every handler bumps it so a waiting loop decides again
  let runningScope: CancellationScope | null = null;
  let published = '';
  let shownQueueLength: number | null = null;

  const changed = (): void => {
    projectionDirty = true;
    wake += 1;
  };

  /** The run in flight (one `runTasks` activity): its members, and whether it has been told to stop. */
  interface Run {
    members: RunMember[];
    ids: Set<string>;
    /** Lowest priority among the members: a task queued above it must not wait for the whole run. */
    lowestPriority: number;
    /** The fence to write: set when the run must start no further member. */
    fence: number | null;
    fenceWritten: boolean;
  }
  let run: Run | null = null;
  /** Something a handler learned changes what runs next: the run in flight starts no further member. */
  const stopRun = (): void => {
    if (!run || run.members.length < 2 || run.fence !== null) return;
    run.fence = run.members[run.members.length - 1]!.fencingToken;
  };

  const record = (spec: TaskSpec, result: EnqueueResult): void => {
    switch (result.status) {
      case 'queued':
        records.push({ kind: 'queued', task: spec, enqueuedAtMs: Date.now() });
        break;
      case 'deduplicated':
        records.push({ kind: 'deduplicated', task: spec, code: result.code, existingTaskId: result.existingTaskId });
        break;
      case 'rejected':
        records.push({
          kind: 'rejected', task: spec, code: 'queue_full',
          message: `account ${accountId} already has ${result.limit} queued tasks`,
        });
        break;
      case 'duplicate':
        break; // a retried signal: the task is already known, nothing new to record
    }
  };

  const stopRunIfOvertaken = (tasks: { priority?: number }[]): void => {
    if (run && tasks.some((t) => (t.priority ?? 0) > run!.lowestPriority)) stopRun();
  };

  setHandler(messages.deliver, ({ tasks, backlog }) => {
    // The ledger wrote each task's row and `queued` event at intake: nothing to record here.
    const accepted = acceptDelivered(state, tasks, backlog, Date.now());
    stopRunIfOvertaken(accepted);
    changed();
  });

  setHandler(messages.enqueue, ({ tasks }) => {
    const results = enqueueTasks(state, tasks, Date.now());
    results.forEach((r, i) => record(tasks[i]!, r));
    stopRunIfOvertaken(tasks.filter((_, i) => results[i]!.status === 'queued'));
    changed();
  });

  setHandler(
    messages.submit,
    (spec) => {
      const known = state.seen.has(spec.taskId);
      if (!known) {
        const result = enqueueTasks(state, [spec], Date.now())[0]!;
        record(spec, result);
        if (result.status === 'queued') stopRunIfOvertaken([spec]);
        changed();
      }
      if (state.running?.task.taskId === spec.taskId) return { taskId: spec.taskId, status: 'running', position: null };
      const position = positionOf(state, spec.taskId);
      return { taskId: spec.taskId, status: position === null ? 'known' : 'queued', position };
    },
    {
      // Synchronous on purpose: an async validator's throw would be ignored.
      validator: (spec) => {
        const rejection = checkSubmit(state, spec);
        if (!rejection) return;
        const message = rejection.code === 'queue_full'
          ? `account ${accountId} already has ${rejection.limit} queued tasks`
          : `a task with dedupeKey ${JSON.stringify(spec.dedupeKey)} is ${rejection.code === 'already_running' ? 'running' : 'queued'}`;
        throw ApplicationFailure.create({ type: rejection.code, message, details: [rejection], nonRetryable: true });
      },
    },
  );

  setHandler(messages.cancel, ({ taskId, reason }) => {
    if (run?.ids.has(taskId)) {
      // The run may have started it, or not yet: the ledger knows. The flush cancels it there if it is
      // still queued, or marks it and tells us it runs, and then we cancel the run (see flushLoop).
      cancelTask(state, taskId);
      stopRun();
      records.push({ kind: 'cancel_requested', taskId, reason: reason ?? 'cancelled while queued' });
      changed();
      return;
    }
    const result = cancelTask(state, taskId);
    if (result === 'removed') records.push({ kind: 'cancelled', taskId, reason: reason ?? 'cancelled while queued' });
    // The running task learns of it through its next heartbeat and stops.
    if (result === 'running') runningScope?.cancel();
    changed();
  });

  setHandler(messages.suspend, ({ reason }) => {
    suspendAccount(state, reason, Date.now());
    stopRun();
    changed();
  });
  setHandler(messages.resume, () => {
    resumeAccount(state);
    changed();
  });
  setHandler(messages.startCooldown, ({ durationMs, reason }) => {
    startManualCooldown(state, durationMs, reason, Date.now());
    stopRun();
    changed();
  });
  setHandler(messages.endCooldown, () => {
    endCooldownNow(state, Date.now());
    changed();
  });

  setHandler(messages.getState, (input) => view(state, Date.now(), input?.withWaiting ?? true));
  setHandler(messages.getPosition, ({ taskId }) => {
    if (state.running?.task.taskId === taskId) return { taskId, status: 'running', position: null };
    const position = positionOf(state, taskId);
    return { taskId, status: position === null ? 'unknown' : 'queued', position };
  });

  /**
   * The one writer of ledger facts and the projection: it runs beside the main loop so that what handlers
   * decide (a task queued, cancelled) reaches Postgres while a long task runs, and one write at a time
   * keeps the facts in order.
   */
  let flushing = false;
  const flushLoop = async (): Promise<void> => {
    for (;;) {
      await condition(() => records.length > 0 || projectionDirty);
      flushing = true;
      const batch = records.splice(0, records.length);
      const projection = projectionDirty ? view(state, Date.now(), false) : null;
      projectionDirty = false;
      const flushedRun = run;
      const runFence = flushedRun && flushedRun.fence !== null && !flushedRun.fenceWritten ? flushedRun.fence : undefined;
      if (runFence !== undefined) flushedRun!.fenceWritten = true;
      const result = await recordAccount({ accountId, records: batch, projection, ...(runFence === undefined ? {} : { runFence }) });
      // Histories from before runs recorded no result here.
      if (result?.runningCancelRequested.some((id) => run === flushedRun && run?.ids.has(id))) runningScope?.cancel();
      flushing = false;
    }
  };
  const flushed = (): boolean => records.length === 0 && !flushing;

  /** Upserts search attributes when what the Web UI filters on has changed (each upsert is a history event). */
  const publish = (): void => {
    const v = view(state, Date.now(), false);
    // Histories recorded before this change published every queue length; they replay that way.
    const queueLength = patched('coarse-queue-length') ? queueLengthToPublish(shownQueueLength, v.queueLength) : v.queueLength;
    const key = `${v.state}|${queueLength}|${v.cooldownUntil ?? ''}`;
    if (key === published) return;
    published = key;
    shownQueueLength = queueLength;
    upsertSearchAttributes([
      { key: AccountStateKey, value: v.state },
      { key: QueueLengthKey, value: queueLength },
      { key: CooldownUntilKey, value: v.cooldownUntil ? new Date(v.cooldownUntil) : null },
    ]);
  };

  const runOne = async (taskId: string): Promise<void> => {
    const running = beginTask(state, taskId, Date.now());
    publish();
    projectionDirty = false; // runTask writes the projection with the task's start
    const { task, fencingToken } = running;
    const { runTask } = proxyActivities<Activities>({
      startToCloseTimeout: taskTimeoutFor(state.settings, task.type),
      heartbeatTimeout: options.heartbeatTimeoutMs,
      retry: taskRetryPolicy(state.settings),
      summary: `task ${task.taskId} ${task.type}`,
    });
    let outcome: TaskOutcome;
    const scope = new CancellationScope();
    runningScope = scope;
    try {
      const result = await scope.run(() =>
        runTask({
          accountId,
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
        records.push({ kind: 'cancelled', taskId: task.taskId, reason: 'cancelled while running' });
      } else {
        // Retries exhausted, or the task timed out: the activity could not record it, so we do.
        const error = { code: 'attempts_exhausted', message: err instanceof Error ? err.message : String(err) };
        outcome = { kind: 'failed', error };
        records.push({ kind: 'failed', taskId: task.taskId, fencingToken, error });
      }
    } finally {
      runningScope = null;
    }
    applyOutcome(state, outcome, Date.now(), Math.random());
    projectionDirty = true;
  };

  /**
   * Runs the task `decide` chose and, behind it in the same activity, the queued tasks that would follow it
   * at once (see `planRun`), then applies each one's outcome in order as if each had run alone.
   */
  const runBatch = async (headId: string): Promise<void> => {
    // A run ends where continue-as-new is due, so a history never holds more task starts than promised.
    const maxTasks = Math.max(1, Math.min(options.runMaxTasks ?? 1, options.continueAsNewAfterTasks - state.tasksStarted));
    const followers = planRun(state, headId, Date.now(), maxTasks - 1, RUN_PAYLOAD_CHARS);
    const head = beginTask(state, headId, Date.now());
    const firstReserved = reserveTokens(state, followers.length);
    const members: RunMember[] = [
      { taskId: head.task.taskId, type: head.task.type, payload: head.task.payload, fencingToken: head.fencingToken },
      ...followers.map((t, i) => ({ taskId: t.taskId, type: t.type, payload: t.payload, fencingToken: firstReserved + i })),
    ];
    run = {
      members,
      ids: new Set(members.map((m) => m.taskId)),
      lowestPriority: Math.min(head.task.priority, ...followers.map((t) => t.priority)),
      fence: null,
      fenceWritten: false,
    };
    publish();
    projectionDirty = false; // the activity writes the projection with the first task's start
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
    let ran: RunTasksResult['ran'];
    const scope = new CancellationScope();
    runningScope = scope;
    try {
      const result = await scope.run(() =>
        runTasks({ accountId, members, maxAttempts: state.settings.maxAttempts, windowMs, projection: view(state, Date.now(), false) }),
      );
      ran = result.ran;
      updateSettings(state, result.settings);
    } catch (err) {
      ran = await outcomesFromLedger(members, err);
    } finally {
      runningScope = null;
      run = null;
    }
    if (ran.length === 0 && patched('unstarted-head-requeued')) {
      // The run never claimed its first task (Postgres was down longer than its retries): nothing ran.
      returnUnstarted(state);
      projectionDirty = true;
      return;
    }
    if (ran[0]?.taskId !== head.task.taskId) {
      // Never expected (every answer starts with the first member), but the running slot must not stay taken.
      const error = { code: 'no_outcome', message: `the run of ${head.task.taskId} answered without it` };
      records.push({ kind: 'failed', taskId: head.task.taskId, fencingToken: head.fencingToken, error });
      ran = [{ taskId: head.task.taskId, outcome: { kind: 'failed', error } }];
    }
    for (const [i, { taskId, outcome }] of ran.entries()) {
      if (i > 0) {
        if (positionOf(state, taskId) === null) {
          // Cancelled while the run had it: a rate-limited one would wait in the ledger for nothing.
          if (outcome.kind === 'rate_limited') records.push({ kind: 'cancelled', taskId, reason: 'cancelled while running' });
          continue;
        }
        beginTask(state, taskId, Date.now(), members[i]!.fencingToken);
      }
      applyOutcome(state, outcome, Date.now(), Math.random());
    }
    projectionDirty = true;
  };

  /**
   * The run's activity gave no answer (Temporal gave up on it, or it was cancelled): the ledger says how far
   * it got. The member it was running when it stopped failed, or was cancelled if a cancel was meant for it.
   */
  const outcomesFromLedger = async (members: RunMember[], err: unknown): Promise<RunTasksResult['ran']> => {
    const facts = await readRunMembers({ accountId, members: members.map(({ taskId, fencingToken }) => ({ taskId, fencingToken })) });
    const ran: RunTasksResult['ran'] = [];
    for (const [i, fact] of facts.entries()) {
      if (fact.state === 'finished') {
        ran.push({ taskId: fact.taskId, outcome: fact.outcome });
        if (runGoesOnAfter(fact.outcome)) continue;
        break;
      }
      if (fact.state === 'not_started' && (i > 0 || !isCancellation(err))) {
        // Never claimed: it did not run, so no attempt failed. A later member stays queued; an unclaimed
        // first member goes back to the queue (older histories failed it, and replay that way).
        if (i > 0 || patched('unstarted-head-requeued')) break;
      }
      if (fact.state === 'started' && ledgerWasUnreachable(err) && patched('ledger-outage-requeues')) {
        // Temporal's retries ran out while Postgres was down: they never reached the task, so it goes
        // back to the queue (still `running` in the ledger, under a token its next claim outranks).
        if (i > 0 || patched('unstarted-head-requeued')) break;
      }
      const cancelled = isCancellation(err) && (members.length === 1 || (fact.state === 'started' && fact.cancelRequested));
      if (cancelled) {
        records.push({ kind: 'cancelled', taskId: fact.taskId, reason: 'cancelled while running' });
        ran.push({ taskId: fact.taskId, outcome: { kind: 'cancelled' } });
      } else {
        // Retries exhausted, the task timed out, or it was cut short: the activity could not record it.
        const message = isCancellation(err) ? 'stopped when its run was cancelled' : err instanceof Error ? err.message : String(err);
        const error = { code: isCancellation(err) ? 'interrupted' : 'attempts_exhausted', message };
        records.push({ kind: 'failed', taskId: fact.taskId, fencingToken: members[i]!.fencingToken, error });
        ran.push({ taskId: fact.taskId, outcome: { kind: 'failed', error } });
      }
      break;
    }
    return ran;
  };

  /**
   * Nothing to do and nothing to remember but what the ledger keeps. A suspended account with an empty
   * queue counts (its suspension stays in the ledger and the next run starts with it); older histories
   * kept such a workflow running for ever.
   */
  const suspendedMayComplete = (): boolean => state.queue.length === 0 && !state.running && patched('suspended-idle-completes');
  const accountIsQuiet = (): boolean =>
    state.queue.length === 0 && !state.running && (!state.suspended || suspendedMayComplete()) && !state.cooldown && flushed() && !projectionDirty;

  void flushLoop();

  for (;;) {
    const before = state.version;
    const now = Date.now();
    settle(state, now, endsLongCooldown(state, now) && patched('long-cooldown-resets-count'));
    // A cooldown that ended changes the stored view too (older histories wrote nothing here).
    if (state.version !== before && patched('settled-projection')) projectionDirty = true;
    if (!flushed()) {
      // A task starts only once its queued row is written.
      await condition(flushed);
      continue;
    }
    if (workflowInfo().continueAsNewSuggested || state.tasksStarted >= options.continueAsNewAfterTasks) {
      // Between tasks only, after every handler has finished and every fact is written, so nothing is lost.
      await condition(() => allHandlersFinished() && flushed());
      await continueAsNew<typeof accountWorkflow>({
        ...input,
        settings: state.settings,
        carried: { snapshot: dehydrate(state), records: records.splice(0, records.length) },
      });
    }
    const decision = decide(state, Date.now());
    if (decision.kind === 'run') {
      // Histories from before runs of tasks replay with one activity per task.
      if (patched('task-runs')) await runBatch(decision.taskId);
      else await runOne(decision.taskId);
      continue;
    }
    publish();

    const seen = wake;
    const idleSuspended = decision.kind === 'wait' && decision.reason === 'account_suspended' && suspendedMayComplete();
    if (decision.kind === 'wait' && !idleSuspended) {
      if (decision.untilMs === null) {
        await condition(() => wake !== seen);
      } else {
        const summary = decision.reason === 'account_cooldown' ? state.cooldown?.reason : 'next scheduled task';
        await condition(() => wake !== seen, Math.max(1, decision.untilMs - Date.now()), { summary: summary ?? decision.reason });
      }
      continue;
    }

    const woke = await condition(() => wake !== seen, options.idleTimeoutMs, { summary: 'idle' });
    if (!woke) {
      await condition(() => allHandlersFinished() && flushed() && !projectionDirty);
      if (accountIsQuiet()) return; // the next submission starts a new run (signal-with-start)
    }
  }
}
