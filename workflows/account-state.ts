/**
 * The account state machine: queue, states, backoff and dedupe, as plain TypeScript.
 *
 * Guarantee this module provides: at most one task of the account is running (`running` is a single
 * slot and `beginTask` refuses while it is taken), and tasks leave the queue in order (priority first,
 * FIFO within a priority; a rate-limited task returns to the head of its priority).
 *
 * No Temporal import, no clock, no randomness: time (`nowMs`) and jitter (`random` in [0,1)) are passed in,
 * so the workflow replays deterministically and the tests run without a server. Functions mutate the
 * state they are given (the workflow owns exactly one) and return what the driver must do or record.
 */
import type {
  AccountStateName,
  AccountView,
  BreakerState,
  DeliveredTask,
  EngineSettings,
  TaskOutcome,
  TaskSpec,
  TaskStatus,
  WaitingReason,
  WaitingTask,
} from './types';

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
const RECENT_DURATIONS_LIMIT = 20;
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

function touch(state: AccountState): void {
  state.version += 1;
}

function remember(state: AccountState, taskId: string): void {
  state.seen.add(taskId);
  state.recentIds.push(taskId);
  while (state.recentIds.length > RECENT_IDS_LIMIT) {
    const dropped = state.recentIds.shift();
    // A live task stays deduplicated by its presence in the queue; only forget ids of finished tasks.
    if (dropped !== undefined && !isLive(state, dropped)) state.seen.delete(dropped);
  }
}

function isLive(state: AccountState, taskId: string): boolean {
  return state.running?.task.taskId === taskId || state.queue.some((t) => t.taskId === taskId);
}

function liveDedupeOwner(state: AccountState, dedupeKey: string): SubmitRejection | null {
  if (state.running?.task.dedupeKey === dedupeKey) {
    return { code: 'already_running', existingTaskId: state.running.task.taskId };
  }
  const queued = state.queue.find((t) => t.dedupeKey === dedupeKey);
  return queued ? { code: 'already_queued', existingTaskId: queued.taskId } : null;
}

/** Index at which a task of this priority joins the queue: after every task of the same or higher priority. */
function insertionIndex(queue: QueuedTask[], priority: number): number {
  let i = queue.length;
  while (i > 0 && queue[i - 1]!.priority < priority) i -= 1;
  return i;
}

/** What the `submit` update validator checks, without changing anything. */
export function checkSubmit(state: AccountState, spec: TaskSpec): SubmitRejection | null {
  if (state.seen.has(spec.taskId)) return null; // a retry of a known task: answered with its position
  if (spec.dedupeKey !== undefined) {
    const owner = liveDedupeOwner(state, spec.dedupeKey);
    if (owner) return owner;
  }
  if (state.queue.length >= state.settings.maxQueuedPerAccount) {
    return { code: 'queue_full', limit: state.settings.maxQueuedPerAccount };
  }
  return null;
}

export function enqueueTasks(state: AccountState, specs: TaskSpec[], nowMs: number): EnqueueResult[] {
  const results: EnqueueResult[] = [];
  for (const spec of specs) {
    if (state.seen.has(spec.taskId)) {
      results.push({ taskId: spec.taskId, status: 'duplicate' });
      continue;
    }
    const rejection = checkSubmit(state, spec);
    remember(state, spec.taskId);
    if (rejection?.code === 'queue_full') {
      results.push({ taskId: spec.taskId, status: 'rejected', code: 'queue_full', limit: rejection.limit });
      continue;
    }
    if (rejection) {
      results.push({ taskId: spec.taskId, status: 'deduplicated', ...rejection });
      continue;
    }
    const task: QueuedTask = {
      taskId: spec.taskId,
      type: spec.type,
      payload: spec.payload,
      priority: spec.priority ?? 0,
      enqueuedAtMs: spec.submittedAtMs <= nowMs ? spec.submittedAtMs : nowMs,
      attempts: 0,
    };
    if (spec.dedupeKey !== undefined) task.dedupeKey = spec.dedupeKey;
    if (spec.runAfterMs !== undefined) task.runAfterMs = spec.runAfterMs;
    const index = insertionIndex(state.queue, task.priority);
    state.queue.splice(index, 0, task);
    results.push({ taskId: spec.taskId, status: 'queued', position: index });
  }
  if (results.some((r) => r.status === 'queued')) touch(state);
  return results;
}

/**
 * Takes what the intake's relay delivered: the ledger acknowledged each task, so none is refused here; an
 * id already seen (a delivery repeated after a relay crashed before its mark) is dropped. Returns the
 * tasks that joined the queue.
 */
export function acceptDelivered(state: AccountState, tasks: DeliveredTask[], backlog: number, nowMs: number): DeliveredTask[] {
  const accepted: DeliveredTask[] = [];
  for (const t of tasks) {
    if (state.seen.has(t.taskId)) continue;
    remember(state, t.taskId);
    const task: QueuedTask = {
      taskId: t.taskId,
      type: t.type,
      priority: t.priority ?? 0,
      enqueuedAtMs: Math.min(t.submittedAtMs, nowMs),
      attempts: 0,
    };
    if (t.runAfterMs !== undefined) task.runAfterMs = t.runAfterMs;
    state.queue.splice(insertionIndex(state.queue, task.priority), 0, task);
    accepted.push(t);
  }
  const held = Math.max(0, Math.floor(backlog));
  if (accepted.length > 0 || held !== (state.backlog ?? 0)) {
    state.backlog = held;
    touch(state);
  }
  return accepted;
}

export function positionOf(state: AccountState, taskId: string): number | null {
  const i = state.queue.findIndex((t) => t.taskId === taskId);
  return i === -1 ? null : i;
}

/** Removes a queued task, or reports that the running one must be cancelled by the driver. */
export function cancelTask(state: AccountState, taskId: string): 'removed' | 'running' | 'unknown' {
  if (state.running?.task.taskId === taskId) return 'running';
  const i = state.queue.findIndex((t) => t.taskId === taskId);
  if (i === -1) return 'unknown';
  state.queue.splice(i, 1);
  touch(state);
  return 'removed';
}

export function suspend(state: AccountState, reason: string, nowMs: number): void {
  state.suspended = { reason, atMs: nowMs };
  touch(state);
}

export function resume(state: AccountState): void {
  if (!state.suspended) return;
  state.suspended = null;
  touch(state);
}

export function startManualCooldown(state: AccountState, durationMs: number, reason: string, nowMs: number): Cooldown {
  const cooldown: Cooldown = { untilMs: nowMs + boundedDelayMs(durationMs), reason, source: 'manual' };
  state.cooldown = cooldown;
  touch(state);
  return cooldown;
}

/** Ends any cooldown now. An open breaker moves on to its probe. */
export function endCooldown(state: AccountState, nowMs: number): void {
  if (!state.cooldown) return;
  state.cooldown = null;
  if (state.breaker === 'open') setBreaker(state, 'half_open', 'cooldown ended early', nowMs);
  touch(state);
}

export function updateSettings(state: AccountState, settings: EngineSettings): void {
  state.settings = settings;
}

function setBreaker(state: AccountState, to: BreakerState, reason: string, nowMs: number): BreakerEvent {
  const event: BreakerEvent = { atMs: nowMs, from: state.breaker, to, reason };
  state.breaker = to;
  state.breakerHistory.push(event);
  if (state.breakerHistory.length > BREAKER_HISTORY_LIMIT) state.breakerHistory.shift();
  return event;
}

/** Whether `settle` at `nowMs` ends a long cooldown (the one after too many consecutive rate limits). */
export function endsLongCooldown(state: AccountState, nowMs: number): boolean {
  return state.cooldown !== null && state.cooldown.untilMs <= nowMs && state.cooldown.source === 'rate_limit'
    && state.consecutiveRateLimits >= state.settings.cooldownAfterConsecutiveRateLimits;
}

/**
 * Clears a cooldown whose time has come; an open breaker then lets one probe through (half open).
 * `resetAfterLongCooldown`: an expired long cooldown also resets the count of consecutive rate limits, so
 * the next rate limit starts the backoff again from its first step (histories from before replay without).
 */
export function settle(state: AccountState, nowMs: number, resetAfterLongCooldown = false): void {
  if (state.cooldown && state.cooldown.untilMs <= nowMs) {
    if (resetAfterLongCooldown && endsLongCooldown(state, nowMs)) state.consecutiveRateLimits = 0;
    state.cooldown = null;
    if (state.breaker === 'open') setBreaker(state, 'half_open', 'cooldown over: next task is a probe', nowMs);
    touch(state);
  }
}

/** What the driver should do next. Call `settle` first so an expired cooldown does not block. */
export function decide(state: AccountState, nowMs: number): Decision {
  if (state.running) return { kind: 'wait', untilMs: null, reason: 'account_busy' };
  if (state.suspended) return { kind: 'wait', untilMs: null, reason: 'account_suspended' };
  if (state.cooldown && state.cooldown.untilMs > nowMs) {
    return { kind: 'wait', untilMs: state.cooldown.untilMs, reason: 'account_cooldown' };
  }
  if (state.queue.length === 0) return { kind: 'idle' };
  let earliest: number | null = null;
  for (const task of state.queue) {
    if (task.runAfterMs === undefined || task.runAfterMs <= nowMs) return { kind: 'run', taskId: task.taskId };
    earliest = earliest === null ? task.runAfterMs : Math.min(earliest, task.runAfterMs);
  }
  return { kind: 'wait', untilMs: earliest, reason: 'scheduled' };
}

/**
 * The running task was never started (its activity could not claim it: Postgres was down longer than the
 * activity's retries): it goes back to the head of its priority as if it had not been taken. Only an
 * attempt that ran counts against a task.
 */
export function returnUnstarted(state: AccountState): void {
  const running = state.running;
  if (!running) throw new Error(`account ${state.accountId} has no running task`);
  state.running = null;
  running.task.attempts = Math.max(0, running.task.attempts - 1);
  state.queue.splice(headIndex(state.queue, running.task.priority), 0, running.task);
  touch(state);
}

/**
 * Takes a queued task into the single running slot and hands out its fencing token, or gives it the token
 * `reserveTokens` set aside for it when it was planned into a run.
 */
export function beginTask(state: AccountState, taskId: string, nowMs: number, reservedToken?: number): RunningTask {
  if (state.running) throw new Error(`account ${state.accountId} already runs ${state.running.task.taskId}`);
  const i = state.queue.findIndex((t) => t.taskId === taskId);
  if (i === -1) throw new Error(`task ${taskId} is not queued`);
  if (reservedToken !== undefined && reservedToken >= state.nextFencingToken) {
    throw new Error(`fencing token ${reservedToken} was never reserved`);
  }
  const [task] = state.queue.splice(i, 1) as [QueuedTask];
  task.attempts += 1;
  const running: RunningTask = { task, fencingToken: reservedToken ?? state.nextFencingToken, startedAtMs: nowMs };
  if (reservedToken === undefined) state.nextFencingToken += 1;
  state.tasksStarted += 1;
  state.running = running;
  touch(state);
  return running;
}

/**
 * The tasks that would start right after `headId`, in order, if each of them succeeded at once and nothing
 * else happened: the queued tasks directly behind it that may start now, at most `max`, with payloads of
 * at most `maxPayloadChars` JSON characters in all. A run (one activity) may take them one after another.
 *
 * None when a task ahead of the head waits for its scheduled time: it may come due during the run, and
 * would then go first.
 */
export function planRun(state: AccountState, headId: string, nowMs: number, max: number, maxPayloadChars: number): QueuedTask[] {
  if (state.queue[0]?.taskId !== headId) return [];
  const followers: QueuedTask[] = [];
  let chars = 0;
  for (const task of state.queue.slice(1, max + 1)) {
    if (task.runAfterMs !== undefined && task.runAfterMs > nowMs) break;
    chars += JSON.stringify(task.payload ?? null).length;
    if (chars > maxPayloadChars) break;
    followers.push(task);
  }
  return followers;
}

/** How long one run of a task of this type may take: its type's own timeout, or the default. */
export function taskTimeoutFor(settings: EngineSettings, type: string): number {
  return settings.taskTimeoutMsByType?.[type] ?? settings.taskTimeoutMs;
}

/** The failure type of a run's activity that could not reach the ledger (no fault of its task). */
export const LEDGER_UNAVAILABLE = 'ledger_unavailable';

/**
 * Whether a run goes on to its next task after this outcome. Only a success or a skip leaves the account
 * deciding as before (`applyOutcome`); anything else may cool it down or open its breaker.
 */
export function runGoesOnAfter(outcome: TaskOutcome): boolean {
  return outcome.kind === 'succeeded' || outcome.kind === 'skipped';
}

/** Sets aside `count` fencing tokens for a run's later tasks; returns the first. */
export function reserveTokens(state: AccountState, count: number): number {
  const first = state.nextFencingToken;
  state.nextFencingToken += count;
  return first;
}

/**
 * The longest wait a handler's retry-after may ask for. Handlers cap theirs lower (the webhook's is
 * documented); this bound keeps any number a handler returns (a huge one, NaN) from making a date the
 * workflow cannot represent, which would fail its every workflow task.
 */
export const MAX_RETRY_AFTER_MS = 30 * 24 * 3600_000;

/** A duration from outside the workflow (a handler, an operator) made safe to add to a clock. */
export function boundedDelayMs(ms: number | undefined): number {
  return ms !== undefined && Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS) : 0;
}

/** Backoff for the n-th consecutive rate limit (n ≥ 1), jittered, never below the handler's retry-after. */
export function rateLimitCooldownMs(settings: EngineSettings, consecutive: number, random: number, retryAfterMs = 0): number {
  const steps = settings.rateLimitBackoffMs;
  const base = consecutive >= settings.cooldownAfterConsecutiveRateLimits
    ? settings.longCooldownMs
    : steps[Math.min(consecutive - 1, steps.length - 1)]!;
  const jittered = base * (1 + settings.backoffJitter * (2 * random - 1));
  return Math.max(Math.round(jittered), boundedDelayMs(retryAfterMs));
}

function breakerCooldownMs(settings: EngineSettings, openings: number, random: number): number {
  const steps = settings.rateLimitBackoffMs;
  const base = steps[Math.min(openings - 1, steps.length - 1)]!;
  return Math.round(base * (1 + settings.backoffJitter * (2 * random - 1)));
}

/**
 * Applies what the running task came to. A rate-limited task returns to the head of its priority and the
 * account cools down; repeated failures open the circuit breaker.
 */
export function applyOutcome(state: AccountState, outcome: TaskOutcome, nowMs: number, random: number): OutcomeEffect {
  const running = state.running;
  if (!running) throw new Error(`account ${state.accountId} has no running task`);
  state.running = null;
  touch(state);
  const { task } = running;
  const effect: OutcomeEffect = { taskId: task.taskId, status: 'succeeded' };
  const failedLike = outcome.kind === 'failed' || outcome.kind === 'rate_limited';

  if (outcome.kind === 'succeeded' || outcome.kind === 'skipped') {
    state.recentDurationsMs.push(Math.max(0, nowMs - running.startedAtMs));
    if (state.recentDurationsMs.length > RECENT_DURATIONS_LIMIT) state.recentDurationsMs.shift();
  }

  switch (outcome.kind) {
    case 'succeeded':
      state.consecutiveRateLimits = 0;
      effect.status = 'succeeded';
      break;
    case 'skipped':
      effect.status = 'skipped';
      break;
    case 'cancelled':
      effect.status = 'cancelled';
      break;
    case 'failed':
      effect.status = 'failed';
      break;
    case 'rate_limited': {
      state.consecutiveRateLimits += 1;
      // Back to the head of its priority: nothing that waited behind it may overtake it.
      state.queue.splice(headIndex(state.queue, task.priority), 0, task);
      const ms = rateLimitCooldownMs(state.settings, state.consecutiveRateLimits, random, outcome.retryAfterMs);
      const long = state.consecutiveRateLimits >= state.settings.cooldownAfterConsecutiveRateLimits;
      // A longer cooldown already in force (an operator's, set while the task ran) is never cut short; one
      // that ends at the same moment gives way, so the account shows the newest cause.
      if (!state.cooldown || state.cooldown.untilMs <= nowMs + ms) {
        effect.cooldown = {
          untilMs: nowMs + ms,
          reason: `${long ? 'long cooldown' : 'cooldown'} ${formatSeconds(ms)} after rate limit #${state.consecutiveRateLimits}: ${outcome.message}`,
          source: 'rate_limit',
        };
        state.cooldown = effect.cooldown;
      }
      effect.status = 'queued';
      break;
    }
  }

  // Circuit breaker: a success (or a skip, which is not the account's fault) closes it; failures count.
  if (outcome.kind === 'succeeded' || outcome.kind === 'skipped') {
    state.consecutiveFailures = 0;
    if (state.breaker !== 'closed') {
      effect.breakerChange = setBreaker(state, 'closed', 'probe succeeded', nowMs);
      state.breakerOpenings = 0;
    }
  } else if (failedLike) {
    state.consecutiveFailures += 1;
    const tripped = state.breaker === 'half_open'
      || (state.breaker === 'closed' && state.consecutiveFailures >= state.settings.breakerFailureThreshold);
    if (tripped) {
      state.breakerOpenings += 1;
      const ms = breakerCooldownMs(state.settings, state.breakerOpenings, random);
      const reason = state.breaker === 'half_open'
        ? 'probe failed'
        : `${state.consecutiveFailures} consecutive failures`;
      effect.breakerChange = setBreaker(state, 'open', reason, nowMs);
      // The breaker's wait never shortens a longer cooldown already in force. On a tie it gives way to this
      // outcome's own rate-limit cooldown (the cause) but replaces an older one, as above.
      const tie = state.cooldown?.untilMs === nowMs + ms && state.cooldown !== effect.cooldown;
      if (!state.cooldown || state.cooldown.untilMs < nowMs + ms || tie) {
        state.cooldown = { untilMs: nowMs + ms, reason: `circuit open ${formatSeconds(ms)}: ${reason}`, source: 'breaker' };
        effect.cooldown = state.cooldown;
      }
    }
  }
  return effect;
}

/** The head of a priority level: the first index whose task has this priority or lower. */
function headIndex(queue: QueuedTask[], priority: number): number {
  const i = queue.findIndex((t) => t.priority <= priority);
  return i === -1 ? queue.length : i;
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(s < 10 ? 2 : 1)} s`;
}

export function stateName(state: AccountState, nowMs: number): AccountStateName {
  if (state.suspended) return 'SUSPENDED';
  if (state.running) return 'RUNNING';
  if (state.cooldown && state.cooldown.untilMs > nowMs) return 'COOLDOWN';
  return 'AVAILABLE';
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function waitingReasonOf(state: AccountState, task: QueuedTask, nowMs: number): WaitingReason {
  if (state.suspended) return 'account_suspended';
  if (state.cooldown && state.cooldown.untilMs > nowMs) return 'account_cooldown';
  if (task.runAfterMs !== undefined && task.runAfterMs > nowMs) return 'scheduled';
  return 'account_busy';
}

function waitingItem(state: AccountState, task: QueuedTask, position: number, nowMs: number): WaitingTask {
  const item: WaitingTask = {
    taskId: task.taskId,
    type: task.type,
    position,
    waitingReason: waitingReasonOf(state, task, nowMs),
    enqueuedAt: new Date(task.enqueuedAtMs).toISOString(),
    priority: task.priority,
  };
  if (task.runAfterMs !== undefined) item.runAfter = new Date(task.runAfterMs).toISOString();
  return item;
}

/** A binary min-heap of numbers: the due scheduled tasks, by queue position. */
function pushHeap(h: number[], v: number): void {
  h.push(v);
  for (let i = h.length - 1; i > 0; ) {
    const p = (i - 1) >> 1;
    if (h[p]! <= h[i]!) break;
    [h[p], h[i]] = [h[i]!, h[p]!];
    i = p;
  }
}
function popHeap(h: number[]): number {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length) {
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]! < h[m]!) m = l;
      if (r < h.length && h[r]! < h[m]!) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
  return top;
}

/**
 * The waiting list with positions, reasons and an ETA. The ETA replays what `decide` will do: from the
 * later of now and the cooldown end (plus what is left of the running task), the first task in queue
 * order that may start goes next, a scheduled task joins once its time has come, and each task takes the
 * median duration of this account's recent tasks. Without a finished task to learn durations from, only
 * the first start is known (and none while a task of unknown length runs). Suspended accounts have no
 * ETA: a person decides when they resume.
 */
export function waitingList(state: AccountState, nowMs: number): WaitingTask[] {
  const items = state.queue.map((task, position) => waitingItem(state, task, position, nowMs));
  const typical = median(state.recentDurationsMs);
  if (state.suspended || (state.running && typical === null)) return items;
  const runningLeft = state.running ? Math.max(0, typical! - (nowMs - state.running.startedAtMs)) : 0;
  let clock = Math.max(nowMs, state.cooldown?.untilMs ?? 0) + runningLeft;
  const ready: number[] = [];
  const scheduled: number[] = [];
  state.queue.forEach((t, i) => ((t.runAfterMs ?? 0) <= clock ? ready : scheduled).push(i));
  scheduled.sort((a, b) => state.queue[a]!.runAfterMs! - state.queue[b]!.runAfterMs! || a - b);
  const due: number[] = [];
  let r = 0;
  let s = 0;
  for (let placed = 0; placed < state.queue.length; placed++) {
    while (s < scheduled.length && state.queue[scheduled[s]!]!.runAfterMs! <= clock) pushHeap(due, scheduled[s++]!);
    if (r >= ready.length && due.length === 0) {
      clock = state.queue[scheduled[s]!]!.runAfterMs!;
      placed -= 1;
      continue;
    }
    const next = r < ready.length && (due.length === 0 || ready[r]! < due[0]!) ? ready[r++]! : popHeap(due);
    items[next]!.eta = new Date(clock).toISOString();
    if (typical === null) break;
    clock += typical;
  }
  return items;
}

export function view(state: AccountState, nowMs: number, withWaiting: boolean): AccountView {
  const cooling = state.cooldown && state.cooldown.untilMs > nowMs ? state.cooldown : null;
  const v: AccountView = {
    accountId: state.accountId,
    state: stateName(state, nowMs),
    runningTaskId: state.running?.task.taskId ?? null,
    runningTaskType: state.running?.task.type ?? null,
    runningSince: state.running ? new Date(state.running.startedAtMs).toISOString() : null,
    queueLength: state.queue.length + (state.backlog ?? 0),
    cooldownUntil: cooling ? new Date(cooling.untilMs).toISOString() : null,
    cooldownReason: cooling?.reason ?? null,
    suspendedReason: state.suspended?.reason ?? null,
    consecutiveRateLimits: state.consecutiveRateLimits,
    consecutiveFailures: state.consecutiveFailures,
    breaker: state.breaker,
    breakerHistory: state.breakerHistory.map((e) => ({ at: new Date(e.atMs).toISOString(), from: e.from, to: e.to, reason: e.reason })),
    tasksStarted: state.tasksStarted,
    version: state.version,
  };
  if (withWaiting) v.waiting = waitingList(state, nowMs);
  return v;
}
