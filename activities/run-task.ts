/**
 * `runTasks` (and its one-task predecessor `runTask`): run an account's tasks for its workflow and record
 * each attempt in the ledger.
 *
 * The workflow runs one such activity per account at a time, and the activity runs its tasks one after
 * the other. Temporal may still start a second attempt of the activity when the first stops heartbeating
 * (its worker is presumed dead): each task's attempt carries a lease (fencing token, activity attempt) and
 * the ledger takes writes only from the newest one.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { toEngineSettings, type Settings } from '../config/settings';
import type { Db } from '../db/client';
import type { SettingsStore } from '../db/settings-store';
import type { AccountView, RunMember, RunTaskInput, RunTaskResult, RunTasksInput, RunTasksResult, TaskOutcome } from '../workflows/types';
import { LEDGER_UNAVAILABLE, runGoesOnAfter } from '../workflows/account-state';
import { isDatabaseUnavailable } from '../db/unavailable';
import { classifyError, DedupeHitError, errorMessage } from './errors';
import type { HandlerRegistry, TaskContext } from './handlers';
import { createEngage } from './interactions';
import {
  cancelRequested,
  finishAttempt,
  raiseRunFence,
  recordAccount,
  recordAccountError,
  recordProgress,
  recordRetry,
  startAttempt,
  type FollowerClaim,
  type Lease,
} from './ledger';

export interface RunTaskDeps {
  db: Db;
  settings: SettingsStore;
  handlers: HandlerRegistry;
  log: Logger;
  /** How often a running task heartbeats (cancellation arrives with a heartbeat's answer). (Default: 1000) */
  heartbeatIntervalMs?: number;
  /** Told of every finished run (for metrics). */
  onRunFinished?: (type: string, outcome: string, durationMs: number) => void;
}

/**
 * Postgres unreachable while an attempt claims, records or finishes its task is no fault of the task:
 * the failure carries the type `ledger_unavailable`, so that the workflow puts such a task back in its
 * queue instead of failing it when Temporal's retries run out during a long outage.
 */
async function ledgerReachable<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw ApplicationFailure.retryable(`the ledger is unreachable: ${errorMessage(err)}`, LEDGER_UNAVAILABLE);
    throw err;
  }
}

/** Thrown inside an attempt when the activity's own cancellation signal fires. */
class AbortedRun extends Error {}

/** What one activity attempt shares between the tasks it runs. */
interface AttemptScope {
  activity: Context;
  accountId: string;
  maxAttempts: number;
  settings: Settings;
  projection: AccountView;
  /**
   * What a cancel from Temporal means for the task in hand. `cancel`: it is the task (one task per
   * activity). `ledger`: a run's cancel is meant for the task the ledger marked (see `cancelRequested`).
   */
  cancelMeans: 'cancel' | 'ledger';
  setProgress(details: Record<string, unknown> | undefined): void;
}

/** `null`: the task was not started by this attempt and the run goes no further. */
type AttemptResult = TaskOutcome | null;

export function createTaskRunners(deps: RunTaskDeps) {
  const { db, handlers } = deps;

  /** Heartbeats from the first moment of an activity, not only once a handler runs (see below). */
  async function withHeartbeat<T>(activity: Context, body: (setProgress: AttemptScope['setProgress']) => Promise<T>): Promise<T> {
    // A ledger write that waits on a Postgres outage must not look like a dead worker to Temporal, which
    // would start a second attempt beside this one. (The first beat comes after one interval: a task
    // shorter than that, the common case, costs the server no heartbeat at all.)
    let lastProgress: Record<string, unknown> | undefined;
    const heartbeat = setInterval(() => activity.heartbeat(lastProgress), deps.heartbeatIntervalMs ?? 1000);
    try {
      return await body((details) => {
        lastProgress = details;
      });
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function attemptTask(scope: AttemptScope, task: RunMember, follower?: FollowerClaim): Promise<AttemptResult> {
    const { activity, accountId, settings } = scope;
    const lease: Lease = { fencingToken: task.fencingToken, activityAttempt: activity.info.attempt };
    const log = deps.log.child({ accountId, taskId: task.taskId, type: task.type, attempt: lease.activityAttempt });
    const noteError = (kind: string, code: string, message: string) =>
      recordAccountError(db, { accountId, taskId: task.taskId, kind, code, message }, lease).catch((err) =>
        log.warn({ err: errorMessage(err) }, 'error history not recorded'),
      );

    const claim = follower ? { ...follower, type: task.type } : undefined;
    let start = await startAttempt(db, task.taskId, lease, scope.projection, claim);
    if (start.kind === 'missing' && !follower && task.payload !== undefined) {
      // The queued row is written before the task can start; if it is gone (a wiped ledger), restore it.
      await recordAccount(db, {
        accountId,
        projection: null,
        records: [{ kind: 'queued', enqueuedAtMs: Date.now(), task: { taskId: task.taskId, type: task.type, payload: task.payload, submittedAtMs: Date.now() } }],
      });
      start = await startAttempt(db, task.taskId, lease, scope.projection);
    }
    if (start.kind === 'finished' && (!follower || start.fencingToken === task.fencingToken)) {
      log.info({ outcome: start.outcome.kind }, 'task already finished in the ledger; not running it again');
      return start.outcome;
    }
    if (follower && start.kind !== 'started') return null; // cancelled, fenced, or not this run's to resume
    if (start.kind === 'missing') {
      // Its row is gone (a wiped or restored ledger): nothing to run and nothing to record it in.
      log.error('task has no row in the ledger; the account goes on without it');
      return { kind: 'failed', error: { code: 'missing_from_ledger', message: `task ${task.taskId} has no row in the ledger` } };
    }
    if (start.kind !== 'started') {
      throw ApplicationFailure.nonRetryable(`attempt ${lease.activityAttempt} of task ${task.taskId} is stale`, 'stale_attempt');
    }

    const runStartedAt = Date.now();
    const finish = async (outcome: TaskOutcome): Promise<TaskOutcome> => {
      deps.onRunFinished?.(task.type, outcome.kind, Date.now() - runStartedAt);
      const recorded = await finishAttempt(db, accountId, task.taskId, lease, outcome);
      // A cancellation may be recorded by the workflow first (the server can settle the cancel before
      // this attempt answers): the task is cancelled either way.
      if (!recorded && outcome.kind === 'cancelled') return outcome;
      if (!recorded) {
        throw ApplicationFailure.nonRetryable(`attempt ${lease.activityAttempt} of task ${task.taskId} lost its lease`, 'stale_attempt');
      }
      log.info({ outcome: outcome.kind }, 'task attempt finished');
      return outcome;
    };
    /** Temporal stopped this attempt: a cancel meant for this task ends it; anything else is retried. */
    const stopped = async (err: unknown): Promise<TaskOutcome> => {
      const forThisTask = activity.cancellationDetails?.cancelRequested
        && (scope.cancelMeans === 'cancel' || (await cancelRequested(db, task.taskId)));
      if (forThisTask) return finish({ kind: 'cancelled' });
      // Worker shutdown, a timeout, or a run's cancel that reached it after its task: not the task's fault;
      // Temporal (or the workflow's next run) runs it again.
      throw err instanceof AbortedRun || err === undefined ? activity.cancellationSignal.reason ?? new AbortedRun() : err;
    };

    const handler = handlers.get(task.type);
    if (!handler) {
      await noteError('failed', 'unknown_task_type', `no handler for task type ${JSON.stringify(task.type)}`);
      return finish({ kind: 'failed', error: { code: 'unknown_task_type', message: `no handler for task type ${JSON.stringify(task.type)}` } });
    }
    const parsed = handler.payloadSchema.safeParse(start.payload);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
      await noteError('failed', 'invalid_payload', message);
      return finish({ kind: 'failed', error: { code: 'invalid_payload', message } });
    }

    // Stopped before the handler ran (while it waited for the ledger, say): a newer attempt may run the
    // task, so this one must not.
    if (activity.cancellationSignal.aborted) return stopped(undefined);
    scope.setProgress(undefined);
    const ctx: TaskContext = {
      accountId,
      taskId: task.taskId,
      attempt: start.attempts,
      fencingToken: task.fencingToken,
      signal: activity.cancellationSignal,
      progress: (details) => {
        scope.setProgress(details);
        activity.heartbeat(details);
        recordProgress(db, accountId, task.taskId, lease, details).catch((err) =>
          log.warn({ err: errorMessage(err) }, 'progress not recorded'),
        );
      },
      engage: createEngage({ db, log, activity, settings, accountId, taskId: task.taskId, lease, maxAttempts: scope.maxAttempts }),
    };
    // A handler that ignores its abort signal must not hold the account: stop waiting for it at once.
    const aborted = new Promise<never>((_, reject) => {
      const signal = activity.cancellationSignal;
      if (signal.aborted) reject(new AbortedRun());
      signal.addEventListener('abort', () => reject(new AbortedRun()), { once: true });
    });

    try {
      log.info('task attempt started');
      const result = await Promise.race([handler.run(ctx, parsed.data), aborted]);
      return await finish({ kind: 'succeeded', result: result ?? null });
    } catch (err) {
      if (activity.cancellationSignal.aborted) return stopped(err);
      // Done already inside the re-engagement window: not an error, so no error history either.
      if (err instanceof DedupeHitError) return finish({ kind: 'skipped', reason: 'dedupe_hit' });
      const c = classifyError(err, settings.errorRules);
      await noteError(c.kind, c.code, c.message);
      switch (c.kind) {
        case 'rate_limited':
          return finish(c.retryAfterMs === undefined
            ? { kind: 'rate_limited', message: c.message }
            : { kind: 'rate_limited', message: c.message, retryAfterMs: c.retryAfterMs });
        case 'unavailable':
          // A rule may name the reason (`private`); otherwise the service's message says why.
          return finish({ kind: 'skipped', reason: c.reason ?? c.message });
        case 'permanent':
          return finish({ kind: 'failed', error: { code: c.code, message: c.message } });
        case 'transient':
          if (lease.activityAttempt >= scope.maxAttempts) {
            return finish({ kind: 'failed', error: { code: 'attempts_exhausted', message: `after ${lease.activityAttempt} attempts: ${c.message}` } });
          }
          deps.onRunFinished?.(task.type, 'retry', Date.now() - runStartedAt);
          await recordRetry(db, accountId, task.taskId, lease, { code: c.code, message: c.message });
          log.warn({ err: c.message }, 'transient failure; Temporal will retry');
          // The whole activity is retried: its next attempt finds the members before this one finished in
          // the ledger, runs this one again and starts no new one (so each task keeps its own attempt count).
          throw ApplicationFailure.retryable(c.message, c.code);
      }
    }
  }

  /** The one-task activity of workflows whose history predates runs (they replay with it). */
  async function runTask(input: RunTaskInput): Promise<RunTaskResult> {
    const activity = Context.current();
    return withHeartbeat(activity, async (setProgress) => {
      const settings = await deps.settings.forAccount(input.accountId);
      const scope: AttemptScope = {
        activity, accountId: input.accountId, maxAttempts: input.maxAttempts, settings,
        projection: input.projection, cancelMeans: 'cancel', setProgress,
      };
      const outcome = await attemptTask(scope, { taskId: input.taskId, type: input.type, payload: input.payload, fencingToken: input.fencingToken });
      return { outcome: outcome!, settings: toEngineSettings(settings) };
    });
  }

  async function runTasks(input: RunTasksInput): Promise<RunTasksResult> {
    const activity = Context.current();
    const started = Date.now();
    return ledgerReachable(() => withHeartbeat(activity, async (setProgress) => {
      const settings = await deps.settings.forAccount(input.accountId);
      const scope: AttemptScope = {
        activity, accountId: input.accountId, maxAttempts: input.maxAttempts, settings,
        projection: input.projection, cancelMeans: input.members.length > 1 ? 'ledger' : 'cancel', setProgress,
      };
      if (activity.info.attempt > 1 && input.members.length > 1) {
        // An earlier attempt Temporal gave up on may be alive still (cut off from the server, not dead):
        // it must start no further member. This attempt only resumes what one before it started.
        await raiseRunFence(db, input.accountId, Math.max(...input.members.map((m) => m.fencingToken)));
      }
      const ran: RunTasksResult['ran'] = [];
      for (const [i, member] of input.members.entries()) {
        if (i > 0 && (activity.cancellationSignal.aborted || Date.now() - started >= input.windowMs)) break;
        const follower: FollowerClaim | undefined = i === 0
          ? undefined
          : { accountId: input.accountId, mode: activity.info.attempt === 1 ? 'first' : 'again' };
        const outcome = await attemptTask(scope, member, follower);
        if (!outcome) break;
        // The result stays in the ledger: the workflow decides on the outcome's kind alone, and whatever a
        // handler returned must not travel through Temporal (its history, its 2 MB payload limit).
        ran.push({ taskId: member.taskId, outcome: outcome.kind === 'succeeded' ? { kind: 'succeeded' } : outcome });
        // Anything else changes what the account does next: the workflow decides.
        if (!runGoesOnAfter(outcome)) break;
      }
      return { ran, settings: toEngineSettings(settings) };
    }));
  }

  return { runTask, runTasks };
}
