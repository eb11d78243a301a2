/** The account workflow's input and options, and the activity proxies and policies its parts share. */
import { proxyLocalActivities } from '@temporalio/workflow';
import type { createActivities } from '../../activities';
import type { AccountSnapshot } from '../account-state';
import type { EngineSettings, TaskRecord } from '../types';

export type Activities = ReturnType<typeof createActivities>;

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

/** Payload characters one run carries in all (Temporal refuses inputs above 2 MB). */
export const RUN_PAYLOAD_CHARS = 256 * 1024;

/** Temporal's retries of a task's activity: transient failures, timeouts, a worker that died. */
export function taskRetryPolicy(settings: EngineSettings) {
  return {
    maximumAttempts: settings.maxAttempts,
    initialInterval: settings.retryInitialMs,
    backoffCoefficient: 2,
    maximumInterval: settings.retryMaxMs,
  };
}

/** The ledger writes and reads the workflow makes itself, as local activities. */
export const ledgerActivities = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15s',
  // The ledger is a projection of this workflow: keep trying until Postgres answers, never drop a fact.
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
  summary: 'record ledger and account state',
});
