/**
 * The account state machine: queue, states, backoff and dedupe, as plain TypeScript.
 *
 * Guarantee this module provides: at most one task of the account is running (`running` is a single
 * slot and `beginTask` refuses while it is taken), and tasks leave the queue in order (priority first,
 * FIFO within a priority; a rate-limited task returns to the head of its priority).
 *
 * No Temporal import, no clock, no randomness: time (`nowMs`) and jitter (`random` in [0,1)) are passed in,
 * so the workflow replays deterministically and the tests run without a server. Functions mutate the
 * state they are given (the workflow owns exactly one) and return what happened as data: the facts the
 * driver records in the ledger and the effects it carries out.
 *
 * - ./account.ts   the state, its snapshot across continue-as-new, shared helpers
 * - ./intake.ts    tasks joining the queue (delivered, or older histories' own signal), cancels
 * - ./controls.ts  suspension, cooldowns, settings, `settle` and `decide`
 * - ./run.ts       the running slot: one task, or a run of tasks in one activity, and its answers
 * - ./outcome.ts   what an outcome does: backoff, circuit breaker
 * - ./view.ts      the account's view and waiting list
 */
export {
  createAccountState,
  dehydrate,
  hydrate,
  positionOf,
  RECENT_IDS_LIMIT,
  type AccountSnapshot,
  type AccountState,
  type BreakerEvent,
  type Cooldown,
  type Decision,
  type EnqueueResult,
  type OutcomeEffect,
  type QueuedTask,
  type RunningTask,
  type SubmitRejection,
} from './account';
export { acceptDelivered, cancelTask, checkSubmit, enqueueTasks } from './intake';
export { decide, endCooldown, endsLongCooldown, resume, settle, startManualCooldown, suspend, updateSettings } from './controls';
export { applyOutcome, boundedDelayMs, MAX_RETRY_AFTER_MS, rateLimitCooldownMs } from './outcome';
export {
  answersFromLedger,
  beginTask,
  finishRun,
  LEDGER_UNAVAILABLE,
  planRun,
  reserveTokens,
  returnUnstarted,
  runGoesOnAfter,
  startRun,
  taskTimeoutFor,
  type RunAnswer,
  type RunPatches,
  type RunPlan,
  type RunStop,
  type Step,
} from './run';
export { stateName, view, waitingList } from './view';
