/**
 * The account's state as the workflow holds it, and the small operations every part of the state machine
 * shares (versioning, remembering ids, where a task joins its queue).
 */
import type { BreakerState, EngineSettings, TaskStatus, WaitingReason } from '../types';

export interface QueuedTask {
  taskId: string;
  type: string;
  /** Only for tasks queued before the outbox; a delivered task's payload stays in the ledger. */
  payload?: unknown;
  dedupeKey?: string;
  priority: number;
  runAfterMs?: number;
  enqueuedAtMs: number;
  /** Runs so far (a rate-limited task comes back with its count). */
  attempts: number;
}

export interface RunningTask {
  task: QueuedTask;
  fencingToken: number;
  startedAtMs: number;
}

export interface Cooldown {
  untilMs: number;
  reason: string;
  source: 'rate_limit' | 'manual' | 'breaker';
}

export interface BreakerEvent {
  atMs: number;
  from: BreakerState;
  to: BreakerState;
  reason: string;
}

/** Everything the workflow carries across continue-as-new. Plain data (JSON-safe). */
export interface AccountSnapshot {
  accountId: string;
  queue: QueuedTask[];
  running: RunningTask | null;
  suspended: { reason: string; atMs: number } | null;
  cooldown: Cooldown | null;
  consecutiveRateLimits: number;
  consecutiveFailures: number;
  breaker: BreakerState;
  breakerOpenings: number;
  breakerHistory: BreakerEvent[];
  nextFencingToken: number;
  /** Task ids seen recently, oldest first, so a retried signal never enqueues a task twice. */
  recentIds: string[];
  recentDurationsMs: number[];
  tasksStarted: number;
  version: number;
  settings: EngineSettings;
  /**
   * Tasks the ledger acknowledged for this account but holds back while the queue here is at its window
   * (as of the last delivery); shown in the queue length. Absent in snapshots from before the outbox.
   */
  backlog?: number;
}

export interface AccountState extends AccountSnapshot {
  /** Index over `recentIds`; rebuilt by `hydrate`, never carried. */
  seen: Set<string>;
}

export const RECENT_IDS_LIMIT = 5000;
export const RECENT_DURATIONS_LIMIT = 20;
const BREAKER_HISTORY_LIMIT = 20;

export type EnqueueResult =
  | { taskId: string; status: 'queued'; position: number }
  | { taskId: string; status: 'duplicate' }
  | { taskId: string; status: 'deduplicated'; code: 'already_running' | 'already_queued'; existingTaskId: string }
  | { taskId: string; status: 'rejected'; code: 'queue_full'; limit: number };

export type SubmitRejection =
  | { code: 'already_running' | 'already_queued'; existingTaskId: string }
  | { code: 'queue_full'; limit: number };

export type Decision =
  | { kind: 'run'; taskId: string }
  | { kind: 'wait'; untilMs: number | null; reason: WaitingReason }
  | { kind: 'idle' };

export interface OutcomeEffect {
  taskId: string;
  /** The task's status after the outcome: terminal, or `queued` again after a rate limit. */
  status: TaskStatus;
  cooldown?: Cooldown;
  breakerChange?: BreakerEvent;
}

/**
 * @param fencingBase a number above every fencing token an earlier run of this account used; the
 *   workflow passes its start time times 1000, which grows faster than one token per task can.
 */
export function createAccountState(accountId: string, settings: EngineSettings, fencingBase: number): AccountState {
  return hydrate({
    accountId,
    queue: [],
    running: null,
    suspended: null,
    cooldown: null,
    consecutiveRateLimits: 0,
    consecutiveFailures: 0,
    breaker: 'closed',
    breakerOpenings: 0,
    breakerHistory: [],
    nextFencingToken: fencingBase,
    recentIds: [],
    recentDurationsMs: [],
    tasksStarted: 0,
    // Like fencing tokens, versions continue above any earlier run's so the projection never goes back.
    version: fencingBase,
    settings,
  });
}

export function hydrate(snapshot: AccountSnapshot): AccountState {
  // Live tasks stay known even when their ids have left the bounded recent list.
  const seen = new Set(snapshot.recentIds);
  for (const t of snapshot.queue) seen.add(t.taskId);
  if (snapshot.running) seen.add(snapshot.running.task.taskId);
  return { ...snapshot, seen };
}

export function dehydrate(state: AccountState): AccountSnapshot {
  const { seen: _seen, ...snapshot } = state;
  return { ...snapshot, tasksStarted: 0 };
}

export function touch(state: AccountState): void {
  state.version += 1;
}

export function remember(state: AccountState, taskId: string): void {
  state.seen.add(taskId);
  state.recentIds.push(taskId);
  while (state.recentIds.length > RECENT_IDS_LIMIT) {
    const dropped = state.recentIds.shift();
    // A live task stays deduplicated by its presence in the queue; only forget ids of finished tasks.
    if (dropped !== undefined && !isLive(state, dropped)) state.seen.delete(dropped);
  }
}

export function isLive(state: AccountState, taskId: string): boolean {
  return state.running?.task.taskId === taskId || state.queue.some((t) => t.taskId === taskId);
}

/** Index at which a task of this priority joins the queue: after every task of the same or higher priority. */
export function insertionIndex(queue: QueuedTask[], priority: number): number {
  let i = queue.length;
  while (i > 0 && queue[i - 1]!.priority < priority) i -= 1;
  return i;
}


export function positionOf(state: AccountState, taskId: string): number | null {
  const i = state.queue.findIndex((t) => t.taskId === taskId);
  return i === -1 ? null : i;
}

export function setBreaker(state: AccountState, to: BreakerState, reason: string, nowMs: number): BreakerEvent {
  const event: BreakerEvent = { atMs: nowMs, from: state.breaker, to, reason };
  state.breaker = to;
  state.breakerHistory.push(event);
  if (state.breakerHistory.length > BREAKER_HISTORY_LIMIT) state.breakerHistory.shift();
  return event;
}


/** The head of a priority level: the first index whose task has this priority or lower. */
export function headIndex(queue: QueuedTask[], priority: number): number {
  const i = queue.findIndex((t) => t.priority <= priority);
  return i === -1 ? queue.length : i;
}
