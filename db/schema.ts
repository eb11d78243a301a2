/**
 * Baton's Postgres tables, and who writes them:
 * - The intake (in the API process) writes a task's row, its `queued` event and the account's row when it
 *   has none (the outbox: 202 means committed here). Until a relay has handed the task to its workflow
 *   (`delivered_at`), only the API ends it: a cancel, or a delivery Temporal refuses.
 * - From then on the account workflow decides and its activities write every later fact of the task and
 *   of the account, each from one place only. `account_states`, `account_errors` and the interaction
 *   tables are what the activities record of the workflows, for cross-account views.
 * - Operators, through the API, change the settings tables and release a dedupe key (`dedupe_released_at`
 *   and a `dedupe_released` event); the holder runs on.
 * - Retention (activities/cleanup.ts) deletes rows past their period, never a live task: the daily
 *   schedule's activity runs it, and `POST /api/tasks/cleanup` and `POST /api/interactions/cleanup` call the
 *   same functions in the API process. So the API never inserts or changes an interaction row (only the
 *   activities do); it deletes them only through retention, as the schedule does.
 * Column names are snake_case in SQL (drizzle `casing: 'snake_case'`).
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * A task holds its dedupe key while it is queued or running and no operator has released it. One
 * predicate for the unique index that enforces the lock and for every read of holders (the intake's
 * check, the dedupe-key list and release, the held-keys metric), so they cannot disagree. Unqualified
 * column names: use it in statements over `tasks` alone.
 */
export const holdsDedupeKey = sql`dedupe_key IS NOT NULL AND dedupe_released_at IS NULL AND status IN ('queued', 'running')`;

const tz = (name?: string) => (name ? timestamp(name, { withTimezone: true, mode: 'date' }) : timestamp({ withTimezone: true, mode: 'date' }));

/** One row per task, from queued to its one terminal status. */
export const tasks = pgTable(
  'tasks',
  {
    taskId: text().primaryKey(),
    /** Insertion order: the account workflow records its queue in order, so this is FIFO order. */
    seq: bigserial({ mode: 'number' }).notNull(),
    accountId: text().notNull(),
    type: text().notNull(),
    payload: jsonb().notNull(),
    status: text().notNull(),
    dedupeKey: text(),
    priority: integer().notNull().default(0),
    runAfter: tz(),
    /** Every run of the task, Temporal retries and re-runs after a cooldown included. */
    attempts: integer().notNull().default(0),
    /** The lease of the newest attempt: (fencing token, activity attempt); older attempts may not write. */
    fencingToken: bigint({ mode: 'number' }),
    activityAttempt: integer(),
    createdAt: tz().notNull(),
    startedAt: tz(),
    finishedAt: tz(),
    result: jsonb(),
    error: jsonb().$type<{ code: string; message: string }>(),
    duplicateOf: text(),
    /**
     * Set when a cancel reaches a task that a run of the account's tasks (one activity) has already
     * started: the attempt checks it when Temporal cancels the run, so only this task ends `cancelled`.
     */
    cancelRequestedAt: tz(),
    /**
     * When the intake's relay handed the task to its account workflow (the outbox mark). Null while the
     * task waits in the ledger only: the relay delivers such rows, oldest first, one account at a time.
     */
    deliveredAt: tz(),
    /** Fingerprint of the request that created the task under an `Idempotency-Key` (a retry must match). */
    requestHash: text(),
    /**
     * When an operator force-released the task's dedupe key (DELETE /api/accounts/{id}/dedupe-keys/{key}):
     * the task runs on and keeps `dedupe_key` as the record of what it held, but no longer holds it.
     */
    dedupeReleasedAt: tz(),
    /**
     * Whether the task had to wait for another task of its account: set once, by a trigger, when the task
     * first starts (migration 0007): the account's previous task to start had not finished when this one
     * was acknowledged. `totalConcurrencyBlocks` counts these.
     */
    waitedForAccount: boolean().notNull().default(false),
    updatedAt: tz().notNull().defaultNow(),
  },
  (t) => [
    index('tasks_created_idx').on(t.createdAt.desc(), t.taskId.desc()),
    index('tasks_account_created_idx').on(t.accountId, t.createdAt.desc(), t.taskId.desc()),
    index('tasks_status_created_idx').on(t.status, t.createdAt.desc(), t.taskId.desc()),
    index('tasks_queued_idx').on(t.accountId, t.priority.desc(), t.seq).where(sql`status = 'queued'`),
    // The relay's work list: queued rows not yet handed to their workflow, in delivery order.
    index('tasks_undelivered_idx').on(t.accountId, t.priority.desc(), t.seq).where(sql`status = 'queued' AND delivered_at IS NULL`),
    // What an account's workflow holds (delivered and live): the relay fills it up to a window.
    index('tasks_delivered_live_idx').on(t.accountId).where(sql`status IN ('queued', 'running') AND delivered_at IS NOT NULL`),
    // A live dedupe key is a lock: one queued or running task per (account, key), enforced at intake.
    uniqueIndex('tasks_live_dedupe_key_idx').on(t.accountId, t.dedupeKey).where(holdsDedupeKey),
    // Retention (activities/cleanup.ts) takes finished tasks oldest first; live rows (no finished_at) stay out.
    index('tasks_finished_idx').on(t.finishedAt).where(sql`finished_at IS NOT NULL`),
    // The previous task to start on an account (the trigger that sets waited_for_account reads it).
    index('tasks_account_started_idx').on(t.accountId, t.startedAt.desc()).where(sql`started_at IS NOT NULL`),
    // totalConcurrencyBlocks: counted from this index alone.
    index('tasks_waited_for_account_idx').on(t.accountId).where(sql`waited_for_account`),
  ],
);

/** Append-only lifecycle of each task: queued, started, progress, requeued, and the terminal event. */
export const taskEvents = pgTable(
  'task_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    taskId: text().notNull(),
    accountId: text().notNull(),
    type: text().notNull(),
    at: tz().notNull().defaultNow(),
    data: jsonb(),
  },
  (t) => [
    index('task_events_task_idx').on(t.taskId, t.id),
    // The overview's time series (api/queries/metrics-series.ts): events of a window, by time and type.
    index('task_events_at_idx').on(t.at, t.type),
  ],
);

/** The latest known state of each account, written by its workflow's activities. */
export const accountStates = pgTable(
  'account_states',
  {
    accountId: text().primaryKey(),
    state: text().notNull(),
    runningTaskId: text(),
    runningTaskType: text(),
    runningSince: tz(),
    queueLength: integer().notNull().default(0),
    cooldownUntil: tz(),
    cooldownReason: text(),
    suspendedReason: text(),
    consecutiveRateLimits: integer().notNull().default(0),
    consecutiveFailures: integer().notNull().default(0),
    breaker: text().notNull().default('closed'),
    /** The last transitions of the circuit breaker: [{at, from, to, reason}]. */
    breakerHistory: jsonb().$type<{ at: string; from: string; to: string; reason: string }[]>(),
    /** The workflow's state version: a write older than the stored one is ignored. */
    version: bigint({ mode: 'number' }).notNull().default(0),
    /** Newest lease handed to a running attempt of this account (see tasks.fencingToken). */
    leaseToken: bigint({ mode: 'number' }),
    leaseAttempt: integer(),
    /**
     * A run of tasks (one activity) starts no task whose fencing token is at or below this: the workflow
     * raises it when something it learned mid-run (a suspend, a cooldown, a more urgent task, a cancel)
     * must stop the run after the task in hand.
     */
    runFence: bigint({ mode: 'number' }),
    updatedAt: tz().notNull().defaultNow(),
  },
  (t) => [index('account_states_state_idx').on(t.state, t.accountId)],
);

/**
 * Each account's cooldowns, oldest to newest, for the account timeline: written by a trigger on
 * `account_states` (migration 0008) whenever `cooldown_until` changes, so every writer of the state row
 * records them without knowing. The trigger keeps the newest 100 per account; the rows go with the account.
 */
export const accountCooldowns = pgTable(
  'account_cooldowns',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    accountId: text().notNull().references(() => accountStates.accountId, { onDelete: 'cascade' }),
    /** When the state row took the cooldown (the writer's transaction time). */
    startedAt: tz().notNull().defaultNow(),
    /** When it was set to end. */
    until: tz().notNull(),
    /** When it ended, if the row changed before `until` came (ended early, replaced), or once it came. */
    endedAt: tz(),
    reason: text(),
  },
  (t) => [index('account_cooldowns_account_idx').on(t.accountId, t.id.desc())],
);

/** Persisted settings: one row, key 'global'. */
export const settings = pgTable('settings', {
  key: text().primaryKey(),
  value: jsonb().notNull(),
  updatedAt: tz().notNull().default(sql`now()`),
});

/** The last errors of each account (kept to the newest 100 per account by the writer). */
export const accountErrors = pgTable(
  'account_errors',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    accountId: text().notNull(),
    taskId: text().notNull(),
    /** rate_limited | failed | unavailable | transient */
    kind: text().notNull(),
    code: text().notNull(),
    message: text().notNull(),
    at: tz().notNull().defaultNow(),
  },
  (t) => [
    index('account_errors_account_idx').on(t.accountId, t.id.desc()),
    // Retention deletes the history older than taskRetentionDays.
    index('account_errors_at_idx').on(t.at),
  ],
);

/** Per-account overrides of the backoff and queue settings. */
export const accountSettings = pgTable('account_settings', {
  accountId: text().primaryKey(),
  overrides: jsonb().notNull(),
  updatedAt: tz().notNull().defaultNow(),
});

/** Immutable audit log of what each account did to which target. */
export const interactionEvents = pgTable(
  'interaction_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    accountId: text().notNull(),
    target: text().notNull(),
    action: text().notNull(),
    /** success | failed | skipped | retry | dedupe_hit */
    status: text().notNull(),
    reason: text(),
    taskId: text(),
    workerId: text(),
    latencyMs: integer(),
    ts: tz().notNull().defaultNow(),
    metadata: jsonb(),
  },
  (t) => [
    index('interaction_events_ts_idx').on(t.ts.desc(), t.id.desc()),
    index('interaction_events_account_idx').on(t.accountId, t.ts.desc(), t.id.desc()),
    index('interaction_events_target_idx').on(t.target, t.ts.desc()),
    index('interaction_events_action_status_idx').on(t.action, t.status, t.ts.desc()),
    index('interaction_events_status_idx').on(t.status, t.ts.desc()),
  ],
);

/** The latest interaction per (account, target, action); `expiresAt` ends its re-engagement window. */
export const interactionLatest = pgTable(
  'interaction_latest',
  {
    accountId: text().notNull(),
    target: text().notNull(),
    action: text().notNull(),
    status: text().notNull(),
    taskId: text(),
    lastSuccessAt: tz(),
    expiresAt: tz(),
    /**
     * What the successful call returned (`{ value }`, JSON), so that a later attempt of the same task,
     * whose worker died after the call, gets the answer without calling the target again.
     */
    result: jsonb(),
    updatedAt: tz().notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.target, t.action] }),
    index('interaction_latest_expires_idx').on(t.expiresAt),
  ],
);
