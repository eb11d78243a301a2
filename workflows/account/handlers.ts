/**
 * The account workflow's message handlers. They change state and never await, so the main loop stays the
 * one place that starts tasks; what they decide during a run reaches it through the run slot (stop, or
 * cancel its scope) and the ledger (the run fence, a task's cancel mark).
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import {
  acceptDelivered,
  cancelTask,
  checkSubmit,
  endCooldown,
  enqueueTasks,
  positionOf,
  resume,
  startManualCooldown,
  suspend,
  view,
  type EnqueueResult,
} from '../account-state';
import * as messages from '../messages';
import type { TaskRecord, TaskSpec } from '../types';
import type { AccountDriver } from './driver';

/** The fact an older history's own enqueue recorded for one task (the ledger's intake records its own). */
function enqueueRecord(accountId: string, spec: TaskSpec, result: EnqueueResult, nowMs: number): TaskRecord | null {
  switch (result.status) {
    case 'queued':
      return { kind: 'queued', task: spec, enqueuedAtMs: nowMs };
    case 'deduplicated':
      return { kind: 'deduplicated', task: spec, code: result.code, existingTaskId: result.existingTaskId };
    case 'rejected':
      return { kind: 'rejected', task: spec, code: 'queue_full', message: `account ${accountId} already has ${result.limit} queued tasks` };
    case 'duplicate':
      return null; // a retried signal: the task is already known, nothing new to record
  }
}

export function registerHandlers(d: AccountDriver): void {
  const { state, slot, outbox } = d;

  setHandler(messages.deliver, ({ tasks, backlog }) => {
    // The ledger wrote each task's row and `queued` event at intake: nothing to record here.
    slot.stopIfOvertaken(acceptDelivered(state, tasks, backlog, Date.now()));
    d.changed();
  });

  registerOlderIntake(d);

  setHandler(messages.cancel, ({ taskId, reason }) => {
    if (slot.has(taskId)) {
      // The run may have started it, or not yet: the ledger knows. The flush cancels it there if it is
      // still queued, or marks it and tells us it runs, and then the run is cancelled (see LedgerOutbox).
      cancelTask(state, taskId);
      slot.stop();
      outbox.record({ kind: 'cancel_requested', taskId, reason: reason ?? 'cancelled while queued' });
      d.changed();
      return;
    }
    const result = cancelTask(state, taskId);
    if (result === 'removed') outbox.record({ kind: 'cancelled', taskId, reason: reason ?? 'cancelled while queued' });
    // The running task learns of it through its next heartbeat and stops.
    if (result === 'running') slot.cancel();
    d.changed();
  });

  setHandler(messages.suspend, ({ reason }) => {
    suspend(state, reason, Date.now());
    slot.stop();
    d.changed();
  });
  setHandler(messages.resume, () => {
    resume(state);
    d.changed();
  });
  setHandler(messages.startCooldown, ({ durationMs, reason }) => {
    startManualCooldown(state, durationMs, reason, Date.now());
    slot.stop();
    d.changed();
  });
  setHandler(messages.endCooldown, () => {
    endCooldown(state, Date.now());
    d.changed();
  });

  setHandler(messages.getState, (input) => view(state, Date.now(), input?.withWaiting ?? true));
  setHandler(messages.getPosition, ({ taskId }) => {
    if (state.running?.task.taskId === taskId) return { taskId, status: 'running', position: null };
    const position = positionOf(state, taskId);
    return { taskId, status: position === null ? 'unknown' : 'queued', position };
  });
}

/**
 * Before the intake went through the ledger, the API signalled tasks itself (`enqueue`) or submitted one
 * with an update (`submit`) whose validator refused a live dedupe key or a full queue. Nothing sends them
 * now; they stay so that histories with them replay (docs/workflow-changes.md says when they go).
 */
function registerOlderIntake(d: AccountDriver): void {
  const { state, slot, outbox } = d;
  const enqueue = (specs: TaskSpec[]): EnqueueResult[] => {
    const now = Date.now();
    const results = enqueueTasks(state, specs, now);
    results.forEach((r, i) => {
      const fact = enqueueRecord(d.accountId, specs[i]!, r, now);
      if (fact) outbox.record(fact);
    });
    slot.stopIfOvertaken(specs.filter((_, i) => results[i]!.status === 'queued'));
    d.changed();
    return results;
  };

  setHandler(messages.enqueue, ({ tasks }) => {
    enqueue(tasks);
  });

  setHandler(
    messages.submit,
    (spec) => {
      if (!state.seen.has(spec.taskId)) enqueue([spec]);
      if (state.running?.task.taskId === spec.taskId) return { taskId: spec.taskId, status: 'running', position: null };
      const position = positionOf(state, spec.taskId);
      return { taskId: spec.taskId, status: position === null ? 'known' : 'queued', position };
    },
    {
      // Synchronous on purpose: an async validator's throw would be ignored.
      validator: (spec) => {
        const rejection = checkSubmit(state, spec);
        if (!rejection) return;
        const message = rejection.code === 'queue_full'
          ? `account ${d.accountId} already has ${rejection.limit} queued tasks`
          : `a task with dedupeKey ${JSON.stringify(spec.dedupeKey)} is ${rejection.code === 'already_running' ? 'running' : 'queued'}`;
        throw ApplicationFailure.create({ type: rejection.code, message, details: [rejection], nonRetryable: true });
      },
    },
  );
}
