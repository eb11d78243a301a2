/** The API's shapes as the page reads them (see api/schemas.ts); only what the page uses. */

export type AccountStateName = 'AVAILABLE' | 'RUNNING' | 'COOLDOWN' | 'SUSPENDED';
export const ACCOUNT_STATES: AccountStateName[] = ['AVAILABLE', 'RUNNING', 'COOLDOWN', 'SUSPENDED'];

export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped' | 'deduplicated';
export const TASK_STATUSES: TaskStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'skipped', 'deduplicated'];
export const LIVE_STATUSES: TaskStatus[] = ['queued', 'running'];

export type WaitingReason = 'account_busy' | 'account_cooldown' | 'account_suspended' | 'scheduled';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface WaitingTask {
  taskId: string;
  type: string;
  position: number;
  waitingReason: WaitingReason;
  enqueuedAt: string;
  priority?: number;
  runAfter?: string;
  eta?: string;
}

export interface BreakerChange {
  at: string;
  from: string;
  to: string;
  reason: string;
}

export interface Account {
  accountId: string;
  state: AccountStateName;
  runningTaskId: string | null;
  runningTaskType?: string | null;
  runningSince?: string | null;
  queueLength: number;
  cooldownUntil: string | null;
  cooldownReason?: string | null;
  suspendedReason?: string | null;
  consecutiveRateLimits: number;
  consecutiveFailures?: number;
  breaker?: string;
  breakerHistory?: BreakerChange[];
  updatedAt?: string;
  live?: boolean;
  waiting?: WaitingTask[];
  temporalUiUrl?: string;
}

export interface AccountError {
  at: string;
  taskId: string;
  kind: string;
  code: string;
  message: string;
}

export interface AccountHealth extends Account {
  errors: AccountError[];
}

export interface Task {
  taskId: string;
  accountId: string;
  type: string;
  payload: unknown;
  status: TaskStatus;
  position?: number;
  waitingReason?: WaitingReason;
  attempts: number;
  dedupeKey?: string;
  priority: number;
  runAfter?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  result?: unknown;
  error?: { code: string; message: string };
  duplicateOf?: string;
}

export interface SubmitAnswer {
  taskId: string;
  accountId: string;
  status: string;
  position?: number | null;
  live?: boolean;
}

export interface ConcurrencyMetrics {
  totalAccountsTracked: number;
  accountsRunning: number;
  accountsWaiting: number;
  accountsCooldown: number;
  accountsSuspended: number;
  totalTasksQueuedWaiting: number;
  totalConcurrencyBlocks: number;
  tasksRunning: number;
}

export interface DashboardMetrics {
  generatedAt: string;
  tasks: { byStatus: Record<string, number> };
  interactions: {
    windowHours: number;
    byStatus: Record<string, number>;
    dedupeHitRate: number | null;
    latencyByAction: { action: string; count: number; p50Ms: number | null; p95Ms: number | null }[];
  };
}

export type InteractionStatus = 'success' | 'failed' | 'skipped' | 'retry' | 'dedupe_hit';
export const INTERACTION_STATUSES: InteractionStatus[] = ['success', 'failed', 'skipped', 'retry', 'dedupe_hit'];

export interface Interaction {
  id: number;
  ts: string;
  accountId: string;
  target: string;
  action: string;
  status: InteractionStatus;
  reason: string | null;
  taskId: string | null;
  workerId: string | null;
  latencyMs: number | null;
  metadata: unknown;
}

/** One event of a task's stream (`GET /api/tasks/{id}/events`). */
export interface TaskEvent {
  id: number;
  taskId: string;
  accountId: string;
  type: string;
  at: string;
  data: Record<string, unknown> | null;
}

export type Settings = Record<string, unknown>;

/** What the server put in the page: the task types it accepts and the settings' descriptions. */
export interface PageMeta {
  taskTypes: { type: string; description: string }[];
  settingDescriptions: Record<string, string>;
}
