/**
 * `runTask`: runs one task's handler for the account workflow and records the attempt in the ledger.
 *
 * The workflow runs one `runTask` per account at a time. Temporal may still start a second attempt of the
 * same task when the first stops heartbeating (its worker is presumed dead): each attempt carries a lease
 * (fencing token, activity attempt) and the ledger takes writes only from the newest one.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { toEngineSettings } from '../config/settings';
import type { Db } from '../db/client';
import type { SettingsStore } from '../db/settings-store';
import type { RunTaskInput, RunTaskResult, TaskOutcome } from '../workflows/types';
import { classifyError, DedupeHitError, errorMessage } from './errors';
import type { HandlerRegistry, TaskContext } from './handlers';
import { createEngage } from './interactions';
import { finishAttempt, recordAccount, recordAccountError, recordProgress, recordRetry, startAttempt, type Lease } from './ledger';

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

/** Thrown inside `runTask` when the activity's own cancellation signal fires. */
class AbortedRun extends Error {}

export function createRunTask(deps: RunTaskDeps) {
  const { db, handlers } = deps;

  return async function runTask(input: RunTaskInput): Promise<RunTaskResult> {
    const activity = Context.current();
    const lease: Lease = { fencingToken: input.fencingToken, activityAttempt: activity.info.attempt };
    const log = deps.log.child({ accountId: input.accountId, taskId: input.taskId, type: input.type, attempt: lease.activityAttempt });
    // Heartbeat from the first moment, not only once the handler runs: a ledger write that waits on a
    // Postgres outage must not look like a dead worker to Temporal, which would start a second attempt
    // of the task beside this one. (The first beat comes after one interval: a task shorter than that,
    // the common case, costs the server no heartbeat at all.)
    let lastProgress: Record<string, unknown> | undefined;
    const heartbeat = setInterval(() => activity.heartbeat(lastProgress), deps.heartbeatIntervalMs ?? 1000);
    try {
      return await attempt();
    } finally {
      clearInterval(heartbeat);
    }

    async function attempt(): Promise<RunTaskResult> {
      // The account's settings (global ones with its overrides) as they are now: returned to the workflow
      // so that a change applies to the next outcome without a restart.
      const settings = await deps.settings.forAccount(input.accountId);
      const settingsNow = async () => toEngineSettings(settings);
      const noteError = (kind: string, code: string, message: string) =>
        recordAccountError(db, { accountId: input.accountId, taskId: input.taskId, kind, code, message }, lease).catch((err) =>
          log.warn({ err: errorMessage(err) }, 'error history not recorded'),
        );

      let start = await startAttempt(db, input.taskId, lease, input.projection);
      if (start.kind === 'missing') {
        // The queued row is written before the task can start; if it is gone (a wiped ledger), restore it.
        await recordAccount(db, {
          accountId: input.accountId,
          projection: null,
          records: [{ kind: 'queued', enqueuedAtMs: Date.now(), task: { taskId: input.taskId, type: input.type, payload: input.payload, submittedAtMs: Date.now() } }],
        });
        start = await startAttempt(db, input.taskId, lease, input.projection);
      }
      if (start.kind === 'finished') {
        log.info({ outcome: start.outcome.kind }, 'task already finished in the ledger; not running it again');
        return { outcome: start.outcome, settings: await settingsNow() };
      }
      if (start.kind !== 'started') {
        throw ApplicationFailure.nonRetryable(`attempt ${lease.activityAttempt} of task ${input.taskId} is stale`, 'stale_attempt');
      }

      const runStartedAt = Date.now();
      const finish = async (outcome: TaskOutcome): Promise<RunTaskResult> => {
        deps.onRunFinished?.(input.type, outcome.kind, Date.now() - runStartedAt);
        const recorded = await finishAttempt(db, input.accountId, input.taskId, lease, outcome);
        // A cancellation may be recorded by the workflow first (the server can settle the cancel before
        // this attempt answers): the task is cancelled either way.
        if (!recorded && outcome.kind === 'cancelled') return { outcome, settings: await settingsNow() };
        if (!recorded) {
          throw ApplicationFailure.nonRetryable(`attempt ${lease.activityAttempt} of task ${input.taskId} lost its lease`, 'stale_attempt');
        }
        log.info({ outcome: outcome.kind }, 'task attempt finished');
        return { outcome, settings: await settingsNow() };
      };

      const handler = handlers.get(input.type);
      if (!handler) {
        await noteError('failed', 'unknown_task_type', `no handler for task type ${JSON.stringify(input.type)}`);
        return finish({ kind: 'failed', error: { code: 'unknown_task_type', message: `no handler for task type ${JSON.stringify(input.type)}` } });
      }
      const parsed = handler.payloadSchema.safeParse(input.payload);
      if (!parsed.success) {
        const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
        await noteError('failed', 'invalid_payload', message);
        return finish({ kind: 'failed', error: { code: 'invalid_payload', message } });
      }

      // Stopped before the handler ran: a cancel request is recorded as the task's outcome, as it would be
      // mid-run. Otherwise Temporal gave up on this attempt while it waited for the ledger (its heartbeat
      // timed out, or the worker is shutting down): a newer attempt may run the task, so this one must not.
      if (activity.cancellationSignal.aborted) {
        if (activity.cancellationDetails?.cancelRequested) return finish({ kind: 'cancelled' });
        throw activity.cancellationSignal.reason ?? new AbortedRun();
      }
      const ctx: TaskContext = {
        accountId: input.accountId,
        taskId: input.taskId,
        attempt: start.attempts,
        fencingToken: input.fencingToken,
        signal: activity.cancellationSignal,
        progress: (details) => {
          lastProgress = details;
          activity.heartbeat(details);
          recordProgress(db, input.accountId, input.taskId, lease, details).catch((err) =>
            log.warn({ err: errorMessage(err) }, 'progress not recorded'),
          );
        },
        engage: createEngage({ db, log, activity, settings, accountId: input.accountId, taskId: input.taskId, lease, maxAttempts: input.maxAttempts }),
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
        if (activity.cancellationSignal.aborted) {
          if (activity.cancellationDetails?.cancelRequested) return finish({ kind: 'cancelled' });
          // Worker shutdown or timeout: not the task's fault; Temporal runs it again elsewhere.
          throw err instanceof AbortedRun ? activity.cancellationSignal.reason ?? err : err;
        }
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
            return finish({ kind: 'skipped', reason: c.message });
          case 'permanent':
            return finish({ kind: 'failed', error: { code: c.code, message: c.message } });
          case 'transient':
            if (lease.activityAttempt >= input.maxAttempts) {
              return finish({ kind: 'failed', error: { code: 'attempts_exhausted', message: `after ${lease.activityAttempt} attempts: ${c.message}` } });
            }
            deps.onRunFinished?.(input.type, 'retry', Date.now() - runStartedAt);
            await recordRetry(db, input.accountId, input.taskId, lease, { code: c.code, message: c.message });
            log.warn({ err: c.message }, 'transient failure; Temporal will retry');
            throw ApplicationFailure.retryable(c.message, c.code);
        }
      }
    }
  };
}
