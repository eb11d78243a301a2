/**
 * Tasks entering the queue: what the relay delivers (acknowledged by the ledger), what older histories'
 * own signal and update carried (checked here), and cancels of queued tasks.
 */
import type { DeliveredTask, TaskSpec } from '../types';
import { insertionIndex, remember, touch, type AccountState, type EnqueueResult, type QueuedTask, type SubmitRejection } from './account';

function liveDedupeOwner(state: AccountState, dedupeKey: string): SubmitRejection | null {
  if (state.running?.task.dedupeKey === dedupeKey) {
    return { code: 'already_running', existingTaskId: state.running.task.taskId };
  }
  const queued = state.queue.find((t) => t.dedupeKey === dedupeKey);
  return queued ? { code: 'already_queued', existingTaskId: queued.taskId } : null;
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

/** Removes a queued task, or reports that the running one must be cancelled by the driver. */
export function cancelTask(state: AccountState, taskId: string): 'removed' | 'running' | 'unknown' {
  if (state.running?.task.taskId === taskId) return 'running';
  const i = state.queue.findIndex((t) => t.taskId === taskId);
  if (i === -1) return 'unknown';
  state.queue.splice(i, 1);
  touch(state);
  return 'removed';
}
