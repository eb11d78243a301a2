/**
 * Glossary and shared domain types. Imported by the workflow, the activities and the API alike, so it
 * holds plain types only (no Temporal, no Node, no zod).
 *
 * - account: anything that must run at most one task at a time (an API account, a device, a tenant).
 * - task: one unit of work for an account, handled by the handler registered for its `type`.
 * - queue: the account's waiting tasks, ordered by priority (higher first), then arrival (FIFO).
 * - position: a queued task's place in that order, 0 = next.
 * - cooldown: a period in which the account starts no task (after a rate limit, by an operator, or while
 *   its circuit breaker is open). It is a durable timer in the account's workflow.
 * - fencing token: a number that grows with every task start of an account; ledger writes carry it, so a
 *   stale attempt (one Temporal already gave up on) cannot overwrite what a newer one wrote.
 */

export const ACCOUNT_STATES = ['AVAILABLE', 'RUNNING', 'COOLDOWN', 'SUSPENDED'] as const;
export type AccountStateName = (typeof ACCOUNT_STATES)[number];

export const TASK_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'skipped', 'deduplicated'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled', 'skipped', 'deduplicated'];

/** Why a queued task has not started: decided in one place, `waitingReasonOf` (./account-state/view.ts). */
export const WAITING_REASONS = ['account_busy', 'account_cooldown', 'account_suspended', 'scheduled'] as const;
export type WaitingReason = (typeof WAITING_REASONS)[number];

/** What one interaction with a target came to (the audit log's `status`). */
export const INTERACTION_STATUSES = ['success', 'failed', 'skipped', 'retry', 'dedupe_hit'] as const;
export type InteractionStatus = (typeof INTERACTION_STATUSES)[number];

/** A task as submitted (validated by the API before it reaches the workflow). */
export interface TaskSpec {
  taskId: string;
  type: string;
  payload: unknown;
  dedupeKey?: string;
  /** Higher runs first; FIFO within one priority. (Default: 0) */
  priority?: number;
  /** Epoch milliseconds before which the task does not start. */
  runAfterMs?: number;
  /** Epoch milliseconds at which the API accepted the task. */
  submittedAtMs: number;
}

/**
 * A task as the intake's relay hands it to its account workflow: what scheduling needs, never the payload
 * (the activity reads it from the ledger), so workflow state and history stay small.
 */
export interface DeliveredTask {
  taskId: string;
  type: string;
  /** Higher runs first; FIFO within one priority. (Default: 0) */
  priority?: number;
  /** Epoch milliseconds before which the task does not start. */
  runAfterMs?: number;
  /** Epoch milliseconds at which the ledger acknowledged the task. */
  submittedAtMs: number;
}

/** The engine's view of the settings, in milliseconds. Built from the stored settings by `toEngineSettings`. */
export interface EngineSettings {
  rateLimitBackoffMs: number[];
  backoffJitter: number;
  cooldownAfterConsecutiveRateLimits: number;
  longCooldownMs: number;
  maxQueuedPerAccount: number;
  taskTimeoutMs: number;
  /** A task type's own timeout, where it has one; absent in histories recorded before it existed. */
  taskTimeoutMsByType?: Record<string, number>;
  maxAttempts: number;
  retryInitialMs: number;
  retryMaxMs: number;
  breakerFailureThreshold: number;
}

/** What running a task came to, decided by the `runTask` activity and applied by the state machine. */
export type TaskOutcome =
  | { kind: 'succeeded'; result?: unknown }
  | { kind: 'failed'; error: { code: string; message: string } }
  | { kind: 'skipped'; reason: string }
  | { kind: 'cancelled' }
  | { kind: 'rate_limited'; message: string; retryAfterMs?: number };

export interface WaitingTask {
  taskId: string;
  type: string;
  position: number;
  waitingReason: WaitingReason;
  enqueuedAt: string;
  priority: number;
  runAfter?: string;
  /** Estimated start, from the cooldown end and the median duration of this account's recent tasks. */
  eta?: string;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

/** The account's state as the workflow query returns it and the projection stores it. */
export interface AccountView {
  accountId: string;
  state: AccountStateName;
  runningTaskId: string | null;
  runningTaskType: string | null;
  runningSince: string | null;
  queueLength: number;
  cooldownUntil: string | null;
  cooldownReason: string | null;
  suspendedReason: string | null;
  consecutiveRateLimits: number;
  consecutiveFailures: number;
  breaker: BreakerState;
  breakerHistory: { at: string; from: BreakerState; to: BreakerState; reason: string }[];
  tasksStarted: number;
  version: number;
  waiting?: WaitingTask[];
}

/** Input of the `runTask` activity. */
export interface RunTaskInput {
  accountId: string;
  taskId: string;
  type: string;
  payload: unknown;
  /** Runs of this task so far including this one (re-runs after a cooldown count). */
  attempts: number;
  fencingToken: number;
  /** Temporal retries transient errors up to this many activity attempts; the last one records `failed`. */
  maxAttempts: number;
  /** The account as it is while this task runs; written with the task's start (one write, not two). */
  projection: AccountView;
}

export interface RunTaskResult {
  outcome: TaskOutcome;
  /** Settings as stored now, so the next outcome applies changes without a restart. */
  settings: EngineSettings;
}

/** One task of a run: the account's queued tasks that one `runTasks` activity runs back to back. */
export interface RunMember {
  taskId: string;
  type: string;
  /** Only tasks queued before the intake went through the ledger carry it; the others' is read at claim. */
  payload?: unknown;
  /** Handed out by the workflow when the run began; each member has its own. */
  fencingToken: number;
}

/**
 * Input of the `runTasks` activity. The first member is the task the workflow decided to run; the others
 * are the tasks that would follow it at once if each succeeded. The activity runs them in order and stops
 * at the first that does not succeed (or is skipped), once `windowMs` has passed, when it is cancelled, or
 * when the ledger refuses the next one (a cancel or the account's run fence).
 */
export interface RunTasksInput {
  accountId: string;
  members: RunMember[];
  maxAttempts: number;
  /** No member after the first starts once the run has lasted this long. */
  windowMs: number;
  /** The account as it is while the first member runs; written with its start. */
  projection: AccountView;
}

export interface RunTasksResult {
  /** The members that ran, in order, and what each came to. Always starts with the first member. */
  ran: { taskId: string; outcome: TaskOutcome }[];
  /** Settings as stored now, so the next outcome applies changes without a restart. */
  settings: EngineSettings;
}

/** What the ledger says of one member of a run the workflow got no answer for (the activity failed). */
export type RunMemberFact =
  | { taskId: string; state: 'finished'; outcome: TaskOutcome }
  | { taskId: string; state: 'started'; cancelRequested: boolean }
  | { taskId: string; state: 'not_started' };

/** A ledger fact the workflow decided and a local activity writes. */
export type TaskRecord =
  | { kind: 'queued'; task: TaskSpec; enqueuedAtMs: number }
  | { kind: 'deduplicated'; task: TaskSpec; code: 'already_running' | 'already_queued'; existingTaskId: string }
  | { kind: 'rejected'; task: TaskSpec; code: 'queue_full'; message: string }
  | { kind: 'cancelled'; taskId: string; reason: string }
  /** A cancel of a task a run may have started: cancels it if still queued, else marks it for the run. */
  | { kind: 'cancel_requested'; taskId: string; reason: string }
  | { kind: 'failed'; taskId: string; fencingToken: number; error: { code: string; message: string } };

export interface RecordAccountInput {
  accountId: string;
  records: TaskRecord[];
  projection: AccountView | null;
  /** Raises the account's run fence (see `RunTasksInput`): no member at or below it starts. */
  runFence?: number;
}

export interface RecordAccountResult {
  /** Tasks of `cancel_requested` records that were already running: the workflow cancels their run. */
  runningCancelRequested: string[];
}
