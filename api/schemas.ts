/**
 * The HTTP contract's shapes, as zod schemas: they validate requests, type the handlers and generate the
 * OpenAPI document (/openapi.json).
 */
import { z } from '@hono/zod-openapi';
import { ACCOUNT_STATES, INTERACTION_STATUSES, TASK_STATUSES, WAITING_REASONS } from '../workflows/types';
import { findUnstorable, MAX_JSON_DEPTH } from './http/storable';

export const LIMITS = {
  /** Largest JSON body of a single submission. */
  bodyBytes: 256 * 1024,
  /** Largest JSON body of a batch. */
  batchBodyBytes: 16 * 1024 * 1024,
  /** Largest `payload` of one task, serialised. */
  payloadBytes: 64 * 1024,
  batchSize: 1000,
  pageSize: 500,
  defaultPageSize: 50,
} as const;

const safeId = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

export const AccountId = z
  .string()
  .min(1)
  .max(128)
  .regex(safeId, 'use letters, digits and . _ : @ - (starting with a letter or digit)')
  .openapi({ param: { name: 'accountId', in: 'path' }, example: 'acct-42' });
export const TaskId = z
  .string()
  .min(1)
  .max(128)
  .regex(safeId, 'use letters, digits and . _ : @ - (starting with a letter or digit)')
  .openapi({ param: { name: 'taskId', in: 'path' }, example: '0b9c8a52-0f5e-4f7e-9d0c-8e5b1a4c2d11' });

export const TaskStatus = z.enum(TASK_STATUSES).openapi('TaskStatus');
export const AccountState = z.enum(ACCOUNT_STATES).openapi('AccountState');
export const WaitingReason = z.enum(WAITING_REASONS).openapi('WaitingReason');

/** A task's dedupe key: a lock on (account, key) while the task is queued or running. */
export const DedupeKey = z.string().min(1).max(256);

const payloadWithinLimit = (value: unknown) => (JSON.stringify(value) ?? '').length <= LIMITS.payloadBytes;
// Checked before the size, whose serialisation must not meet a structure deeper than it can walk.
const payloadNotTooDeep = (value: unknown) => findUnstorable(value)?.code !== 'too_deep';

export const TaskSubmission = z
  .object({
    type: z.string().min(1).max(64).regex(/^[a-z][a-z0-9_.-]*$/, 'lower-case letters, digits and _ . -').openapi({ example: 'sleep' }),
    payload: z
      .unknown()
      .default({})
      .refine(payloadNotTooDeep, { message: `payload is nested deeper than ${MAX_JSON_DEPTH} levels`, abort: true })
      .refine(payloadWithinLimit, `payload is larger than ${LIMITS.payloadBytes} bytes`)
      .openapi({ example: { ms: 1000 } }),
    taskId: TaskId.optional().openapi({ description: 'Your own id for the task; generated when absent' }),
    dedupeKey: DedupeKey.optional().openapi({ description: 'At most one live (queued or running) task per key' }),
    priority: z.number().int().min(-1000).max(1000).optional().openapi({ description: 'Higher runs first (default 0)' }),
    runAfter: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Do not start before this time' }),
  })
  .strict()
  .openapi('TaskSubmission');

export const BatchItem = TaskSubmission.extend({ accountId: AccountId }).strict();
export const BatchRequest = z
  .object({ tasks: z.array(z.unknown()).min(1).max(LIMITS.batchSize) })
  .strict()
  .openapi('BatchRequest');

export const ErrorDetail = z
  .object({
    code: z.string().openapi({ description: 'snake_case, stable: what clients branch on', example: 'validation_error' }),
    message: z.string().openapi({ description: 'For people' }),
    details: z.unknown().nonoptional().openapi({ description: 'More about the error, or null: the fields at fault (`[{path, message}]`), the task in the way (`{taskId}`), …' }),
  })
  .strict()
  .openapi('ErrorDetail');
export const ErrorBody = z.object({ error: ErrorDetail }).strict().openapi('Error');

export const SubmitAccepted = z
  .object({
    taskId: z.string(),
    accountId: z.string(),
    status: z.string(),
    position: z.number().int().nullable().optional(),
    live: z.boolean().optional(),
  })
  .strict()
  .openapi('SubmitAccepted');

export const BatchResult = z
  .object({
    results: z.array(
      z.union([
        z.object({ index: z.number().int(), taskId: z.string(), accountId: z.string(), status: z.string() }).strict().openapi('BatchItemAccepted'),
        z.object({ index: z.number().int(), error: ErrorDetail }).strict().openapi('BatchItemRefused'),
      ]),
    ),
  })
  .strict()
  .openapi('BatchResult');

export const WaitingTask = z
  .object({
    taskId: z.string(),
    type: z.string(),
    position: z.number().int(),
    waitingReason: WaitingReason,
    enqueuedAt: z.string(),
    priority: z.number().int().optional(),
    runAfter: z.string().optional(),
    eta: z.string().optional(),
  })
  .strict()
  .openapi('WaitingTask');

export const Task = z
  .object({
    taskId: z.string(),
    accountId: z.string(),
    type: z.string(),
    payload: z.unknown().nonoptional(),
    status: TaskStatus,
    position: z.number().int().optional(),
    waitingReason: WaitingReason.optional(),
    eta: z.string().optional().openapi({ description: 'While queued: when it should start (ISO 8601), an estimate from the recent durations of its account; absent when unknown' }),
    attempts: z.number().int(),
    dedupeKey: z.string().optional(),
    dedupeReleasedAt: z.string().optional().openapi({ description: 'When an operator released its dedupe key: it no longer holds it' }),
    priority: z.number().int(),
    runAfter: z.string().optional(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    result: z.unknown().optional(),
    error: z.object({ code: z.string(), message: z.string() }).strict().optional(),
    duplicateOf: z.string().optional(),
  })
  .strict()
  .openapi('Task');

export const TaskList = z.object({ items: z.array(Task), nextCursor: z.string().nullable() }).strict().openapi('TaskList');

export const ListTasksQuery = z.object({
  accountId: AccountId.optional().openapi({ param: { name: 'accountId', in: 'query' } }),
  status: TaskStatus.optional(),
  waitingReason: WaitingReason.optional().openapi({ description: 'Queued tasks waiting for this reason only (implies status=queued); a page may then hold fewer than limit, follow nextCursor' }),
  order: z.enum(['newest', 'oldest']).default('newest').openapi({ description: 'By acknowledgement time: newest first (default) or oldest first' }),
  type: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.pageSize).default(LIMITS.defaultPageSize),
  cursor: z.string().max(512).optional(),
});

/** An account's state; AccountHealth adds its errors (built from this shape: an extended closed object would refuse them). */
export const accountStateShape = {
  accountId: z.string(),
  state: AccountState,
  runningTaskId: z.string().nullable(),
  runningTaskType: z.string().nullable().optional(),
  runningSince: z.string().nullable().optional(),
  queueLength: z.number().int(),
  cooldownUntil: z.string().nullable(),
  cooldownReason: z.string().nullable().optional(),
  suspendedReason: z.string().nullable().optional(),
  consecutiveRateLimits: z.number().int(),
  consecutiveFailures: z.number().int().optional(),
  breaker: z.string().optional(),
  breakerHistory: z.array(z.object({ at: z.string(), from: z.string(), to: z.string(), reason: z.string() }).strict().openapi('BreakerChange')).optional(),
  updatedAt: z.string().optional(),
  live: z.boolean().optional(),
  waiting: z.array(WaitingTask).optional(),
  temporalUiUrl: z.string().optional(),
};
export const AccountExecutionState = z.object(accountStateShape).strict().openapi('AccountExecutionState');

export const AccountStateList = z
  .object({ items: z.array(AccountExecutionState), nextCursor: z.string().nullable() })
  .strict()
  .openapi('AccountStateList');

export const AccountError = z.object({ at: z.string(), taskId: z.string(), kind: z.string(), code: z.string(), message: z.string() }).strict().openapi('AccountError');
export const AccountHealth = z.object({ ...accountStateShape, errors: z.array(AccountError) }).strict().openapi('AccountHealth');
export const AccountHealthList = z.object({ items: z.array(AccountHealth), nextCursor: z.string().nullable() }).strict().openapi('AccountHealthList');

export const ListAccountsQuery = z.object({
  state: AccountState.optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.pageSize).default(LIMITS.defaultPageSize),
  cursor: z.string().max(512).optional(),
});

export const WaitingTasks = z
  .object({
    total: z.number().int().openapi({ description: 'Queued tasks in all' }),
    truncated: z.boolean().openapi({ description: 'True when `limit` cut the list: `byAccount` holds fewer than `total`' }),
    byAccount: z.record(z.string(), z.array(WaitingTask)),
  })
  .strict()
  .openapi('WaitingTasks');

export const ConcurrencyMetrics = z
  .object({
    totalAccountsTracked: z.number().int(),
    accountsRunning: z.number().int(),
    accountsWaiting: z.number().int(),
    accountsCooldown: z.number().int(),
    accountsSuspended: z.number().int(),
    totalTasksQueuedWaiting: z.number().int(),
    totalConcurrencyBlocks: z.number().int().openapi({
      description: "Running total of tasks that had to wait for their account: when the task first started, the account's previous task to start had not finished by the time this one was acknowledged. Kept in the ledger, so restarts do not reset it; deleting old tasks (retention) removes theirs.",
    }),
    currentConcurrencyBlocks: z.number().int().openapi({ description: 'Queued tasks held back right now because their account is running another (what totalConcurrencyBlocks counted before)' }),
    tasksRunning: z.number().int(),
  })
  .strict()
  .openapi('ConcurrencyMetrics');

// Dedupe keys as locks (api/queries/dedupe-keys.ts).

export const HeldDedupeKey = z
  .object({
    accountId: z.string(),
    dedupeKey: z.string(),
    taskId: z.string().openapi({ description: 'The task that holds the key' }),
    taskType: z.string(),
    taskStatus: TaskStatus.openapi({ description: '`queued` or `running`' }),
    heldSince: z.string().openapi({ description: 'When the holder was acknowledged (ISO 8601): it holds the key from then' }),
  })
  .strict()
  .openapi('HeldDedupeKey');
export const HeldDedupeKeyList = z.object({ items: z.array(HeldDedupeKey), nextCursor: z.string().nullable() }).strict().openapi('HeldDedupeKeyList');

export const DedupeKeyRelease = z
  .object({
    accountId: z.string(),
    dedupeKey: z.string(),
    taskId: z.string().openapi({ description: 'The task that held the key; it runs on' }),
    taskStatus: TaskStatus,
    releasedAt: z.string(),
    releasedBy: z.string().openapi({ description: 'Who released it: `key:<id>` (the API key) or `address:<ip>` without keys' }),
  })
  .strict()
  .openapi('DedupeKeyRelease');

export const CancelAccepted = z
  .object({ taskId: z.string(), accountId: z.string(), status: z.enum(['cancelled', 'cancel_requested']) })
  .strict()
  .openapi('CancelAccepted');

// Interactions (re-engagement window and audit log), event streams, dashboard figures.

export const InteractionStatus = z.enum(INTERACTION_STATUSES).openapi('InteractionStatus');
export const INTERACTION_LIMITS = { pageSize: 1000, defaultPageSize: 100, checkTargets: 1000, targetChars: 512, actionChars: 128 } as const;

// Postgres text cannot hold NUL: refused here rather than failing in the database.
const noNul = (s: string) => !s.includes('\u0000');
const Target = z.string().min(1).max(INTERACTION_LIMITS.targetChars).refine(noNul, 'no NUL characters');
const Action = z.string().min(1).max(INTERACTION_LIMITS.actionChars).refine(noNul, 'no NUL characters');
// Postgres has no year 0, which the ISO format (and a JS Date) would let through.
const IsoTime = z.iso.datetime({ offset: true }).refine((s) => !s.startsWith('0000'), 'the year 0000 does not exist');

export const InteractionFilters = z.object({
  accountId: AccountId.optional().openapi({ param: { name: 'accountId', in: 'query' } }),
  target: Target.optional(),
  action: Action.optional(),
  status: InteractionStatus.optional(),
  from: IsoTime.optional().openapi({ description: 'Events at or after this time (ISO 8601)' }),
  to: IsoTime.optional().openapi({ description: 'Events before this time (ISO 8601)' }),
});

export const ListInteractionsQuery = InteractionFilters.extend({
  limit: z.coerce.number().int().min(1).max(INTERACTION_LIMITS.pageSize).default(INTERACTION_LIMITS.defaultPageSize),
  cursor: z.string().max(512).optional(),
});

export const ExportInteractionsQuery = InteractionFilters.extend({
  format: z.enum(['csv', 'json']).default('csv'),
});

export const InteractionEvent = z
  .object({
    id: z.number().int(),
    ts: z.string(),
    accountId: z.string(),
    target: z.string(),
    action: z.string(),
    status: InteractionStatus,
    reason: z.string().nullable(),
    taskId: z.string().nullable(),
    workerId: z.string().nullable(),
    latencyMs: z.number().int().nullable(),
    metadata: z.unknown().nonoptional(),
  })
  .strict()
  .openapi('InteractionEvent');

export const InteractionList = z
  .object({ items: z.array(InteractionEvent), nextCursor: z.string().nullable() })
  .strict()
  .openapi('InteractionList');

export const CheckRequest = z
  .object({
    accountId: AccountId,
    action: Action,
    targets: z.array(Target).min(1).max(INTERACTION_LIMITS.checkTargets),
  })
  .strict()
  .openapi('InteractionCheckRequest');

export const CheckResult = z
  .object({
    results: z.array(
      z.object({
        target: z.string(),
        allowed: z.boolean(),
        nextAllowedAt: z.string().optional().openapi({ description: 'When the window ends (or an engagement in progress times out)' }),
        lastSuccessAt: z.string().optional(),
        inProgress: z.boolean().optional(),
      }).strict(),
    ),
  })
  .strict()
  .openapi('InteractionCheckResult');

export const CleanupResult = z
  .object({ deleted: z.object({ latest: z.number().int(), events: z.number().int() }).strict() })
  .strict()
  .openapi('InteractionCleanupResult');

export const EventStreamQuery = z.object({
  lastEventId: z.string().regex(/^\d{1,18}$/, 'a task event id (digits)').optional()
    .openapi({ description: 'Resume after this event id (the Last-Event-ID header does the same)' }),
});

export const AccountEventStreamQuery = z.object({
  accountId: AccountId.optional().openapi({ param: { name: 'accountId', in: 'query' } }),
  lastEventId: z.string().regex(/^\d{1,18}$/, 'an event id (digits)').optional()
    .openapi({ description: 'Resume: accounts changed since this id (the Last-Event-ID header does the same)' }),
});

export const DashboardMetrics = z
  .object({
    generatedAt: z.string(),
    tasks: z.object({ byStatus: z.record(z.string(), z.number().int()) }).strict(),
    interactions: z.object({
      windowHours: z.number(),
      byStatus: z.record(z.string(), z.number().int()),
      dedupeHitRate: z.number().nullable().openapi({ description: 'dedupe_hit / (success + dedupe_hit); null without either' }),
      latencyByAction: z.array(z.object({ action: z.string(), count: z.number().int(), p50Ms: z.number().nullable(), p95Ms: z.number().nullable() }).strict()),
    }).strict(),
    dedupeKeys: z.object({
      held: z.number().int().openapi({ description: 'Dedupe keys held now (queued or running tasks with a key no operator released)' }),
      refusals: z.object({ already_running: z.number().int(), already_queued: z.number().int() }).strict()
        .openapi({ description: "Submissions this API process's intake refused for a live dedupe key since it started, by code" }),
    }).strict(),
  })
  .strict()
  .openapi('DashboardMetrics');

// The event streams' messages (their `data`, as JSON).

export const TaskEvent = z
  .object({
    id: z.number().int().openapi({ description: 'The event id, also the SSE `id` (resume with Last-Event-ID)' }),
    taskId: z.string(),
    accountId: z.string(),
    type: z.string().openapi({
      description: 'queued, started, progress, retry, dedupe_released (an operator released its dedupe key: data.dedupeKey, data.releasedBy), then the terminal one: succeeded, failed, cancelled, skipped or deduplicated. Also the SSE `event`',
      example: 'started',
    }),
    at: z.string().openapi({ description: 'ISO 8601' }),
    data: z.record(z.string(), z.unknown()).nullable().openapi({ description: 'What the event carries (the attempt, an error, progress), or null' }),
  })
  .strict()
  .openapi('TaskEvent');

export const StreamError = z
  .object({ code: z.literal('stream_failed'), message: z.string() })
  .strict()
  .openapi('StreamError', { description: 'Sent as `event: error` when a stream stops after it started; reconnect with Last-Event-ID' });

// An account's timeline (GET /api/accounts/{accountId}/timeline): the account page's bars on a time axis.

export const TimelineSegment = z
  .object({
    state: z.enum(['queued', 'running']),
    from: z.string().openapi({ description: 'ISO 8601' }),
    to: z.string().nullable().openapi({ description: 'ISO 8601; null while it lasts' }),
  })
  .strict()
  .openapi('TimelineSegment');

export const TimelineTask = z
  .object({
    taskId: z.string(),
    type: z.string(),
    status: TaskStatus,
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    segments: z.array(TimelineSegment).openapi({ description: 'Queued and running stretches in order; a rate-limited task is queued again and runs again' }),
  })
  .strict()
  .openapi('TimelineTask');

export const TimelineCooldown = z
  .object({
    from: z.string().openapi({ description: 'When the cooldown was recorded' }),
    until: z.string().openapi({ description: 'When it was set to end' }),
    endedAt: z.string().nullable().openapi({ description: 'When it ended (earlier than `until` when ended early or replaced); null while it lasts' }),
    reason: z.string().nullable(),
  })
  .strict()
  .openapi('TimelineCooldown');

export const AccountTimeline = z
  .object({
    accountId: z.string(),
    to: z.string().openapi({ description: 'Now, on the server: open stretches end here' }),
    tasks: z.array(TimelineTask).openapi({ description: 'The last tasks, newest first' }),
    cooldowns: z.array(TimelineCooldown).openapi({ description: "The account's cooldowns that overlap the tasks' span, oldest first" }),
  })
  .strict()
  .openapi('AccountTimeline');
