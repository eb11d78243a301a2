/**
 * What the account shows: its state name, the waiting list with positions, reasons and expected starts,
 * and the view the ledger's projection and the `getState` query return.
 */
import type { AccountStateName, AccountView, WaitingTask } from '../types';
import type { AccountState, QueuedTask } from './account';
import { nextStartMs, waitingReason } from '../waiting';
import { popHeap, pushHeap } from './min-heap';

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

function waitingItem(state: AccountState, task: QueuedTask, position: number, nowMs: number): WaitingTask {
  const item: WaitingTask = {
    taskId: task.taskId,
    type: task.type,
    position,
    waitingReason: waitingReason({ suspended: state.suspended !== null, cooldownUntilMs: state.cooldown?.untilMs ?? null, runAfterMs: task.runAfterMs }, nowMs),
    enqueuedAt: new Date(task.enqueuedAtMs).toISOString(),
    priority: task.priority,
  };
  if (task.runAfterMs !== undefined) item.runAfter = new Date(task.runAfterMs).toISOString();
  return item;
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
  if (state.suspended) return items;
  const start = nextStartMs({ nowMs, cooldownUntilMs: state.cooldown?.untilMs ?? null, runningSinceMs: state.running?.startedAtMs ?? null, typicalMs: typical });
  if (start === null) return items;
  let clock = start;
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
