/**
 * Taking tasks into the single running slot: one at a time, or as a run of queued tasks one activity
 * executes back to back, each with its own fencing token.
 */
import type { EngineSettings, RunMember, RunMemberFact, RunTasksResult, TaskOutcome, TaskRecord } from '../types';
import { headIndex, positionOf, touch, type AccountState, type OutcomeEffect, type QueuedTask, type RunningTask } from './account';
import { applyOutcome } from './outcome';

/** One member's answer in a run: what its task came to. */
export type RunAnswer = RunTasksResult['ran'][number];

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

/** A run as planned: its head (already in the running slot) and every member with its fencing token. */
export interface RunPlan {
  head: RunningTask;
  members: RunMember[];
  /** Lowest priority among the members: a task queued above it must not wait for the whole run. */
  lowestPriority: number;
}

/**
 * Starts a run with `headId`, the task `decide` chose: it takes the running slot, and the queued tasks that
 * would follow it at once (`planRun`, at most `maxTasks` in all) get tokens set aside for them.
 */
export function startRun(state: AccountState, headId: string, nowMs: number, maxTasks: number, maxPayloadChars: number): RunPlan {
  const followers = planRun(state, headId, nowMs, maxTasks - 1, maxPayloadChars);
  const head = beginTask(state, headId, nowMs);
  const firstReserved = reserveTokens(state, followers.length);
  const members: RunMember[] = [
    { taskId: head.task.taskId, type: head.task.type, payload: head.task.payload, fencingToken: head.fencingToken },
    ...followers.map((t, i) => ({ taskId: t.taskId, type: t.type, payload: t.payload, fencingToken: firstReserved + i })),
  ];
  return { head, members, lowestPriority: Math.min(head.task.priority, ...followers.map((t) => t.priority)) };
}

/** What the driver does after a step of the state machine: facts to record, effects to report. */
export interface Step {
  records: TaskRecord[];
  effects: OutcomeEffect[];
}

/**
 * Applies a run's answers in order, as if each member had run alone: a member cancelled while the run had
 * it is skipped, the others take the running slot with their reserved token and apply their outcome.
 * `random` is called once per outcome applied, for its jitter.
 */
export function finishRun(state: AccountState, plan: RunPlan, answers: RunAnswer[], nowMs: number, random: () => number): Step {
  const { head, members } = plan;
  const step: Step = { records: [], effects: [] };
  let ran = answers;
  if (ran[0]?.taskId !== head.task.taskId) {
    // Never expected (every answer starts with the first member), but the running slot must not stay taken.
    const error = { code: 'no_outcome', message: `the run of ${head.task.taskId} answered without it` };
    step.records.push({ kind: 'failed', taskId: head.task.taskId, fencingToken: head.fencingToken, error });
    ran = [{ taskId: head.task.taskId, outcome: { kind: 'failed', error } }];
  }
  for (const [i, { taskId, outcome }] of ran.entries()) {
    if (i > 0) {
      if (positionOf(state, taskId) === null) {
        // Cancelled while the run had it: a rate-limited one would wait in the ledger for nothing.
        if (outcome.kind === 'rate_limited') step.records.push({ kind: 'cancelled', taskId, reason: 'cancelled while running' });
        continue;
      }
      beginTask(state, taskId, nowMs, members[i]!.fencingToken);
    }
    step.effects.push(applyOutcome(state, outcome, nowMs, random()));
  }
  return step;
}

/** How a run's activity ended without an answer. */
export interface RunStop {
  /** The run was cancelled (by a cancel for one of its tasks, or an operator). */
  cancelled: boolean;
  /** Temporal's retries ran out while Postgres was unreachable (`LEDGER_UNAVAILABLE`). */
  ledgerUnreachable: boolean;
  message: string;
}

/**
 * Behaviour that older histories replay without. Each is asked only where it decides, and at most once
 * there, because asking records a marker in the history.
 */
export interface RunPatches {
  requeueUnstartedHead(): boolean;
  requeueAfterLedgerOutage(): boolean;
}

/**
 * The run's activity gave no answer (Temporal gave up on it, or it was cancelled): the ledger's facts say
 * how far it got. The member it was running when it stopped failed, or was cancelled if a cancel was meant
 * for it; members it never reached stay queued.
 */
export function answersFromLedger(facts: RunMemberFact[], members: RunMember[], stop: RunStop, patches: RunPatches): { answers: RunAnswer[]; records: TaskRecord[] } {
  const answers: RunAnswer[] = [];
  const records: TaskRecord[] = [];
  for (const [i, fact] of facts.entries()) {
    if (fact.state === 'finished') {
      answers.push({ taskId: fact.taskId, outcome: fact.outcome });
      if (runGoesOnAfter(fact.outcome)) continue;
      break;
    }
    if (fact.state === 'not_started' && (i > 0 || !stop.cancelled)) {
      // Never claimed: it did not run, so no attempt failed. A later member stays queued; an unclaimed
      // first member goes back to the queue (older histories failed it, and replay that way).
      if (i > 0 || patches.requeueUnstartedHead()) break;
    }
    if (fact.state === 'started' && stop.ledgerUnreachable && patches.requeueAfterLedgerOutage()) {
      // Temporal's retries ran out while Postgres was down: they never reached the task, so it goes
      // back to the queue (still `running` in the ledger, under a token its next claim outranks).
      if (i > 0 || patches.requeueUnstartedHead()) break;
    }
    const cancelled = stop.cancelled && (members.length === 1 || (fact.state === 'started' && fact.cancelRequested));
    if (cancelled) {
      records.push({ kind: 'cancelled', taskId: fact.taskId, reason: 'cancelled while running' });
      answers.push({ taskId: fact.taskId, outcome: { kind: 'cancelled' } });
    } else {
      // Retries exhausted, the task timed out, or it was cut short: the activity could not record it.
      const message = stop.cancelled ? 'stopped when its run was cancelled' : stop.message;
      const error = { code: stop.cancelled ? 'interrupted' : 'attempts_exhausted', message };
      records.push({ kind: 'failed', taskId: fact.taskId, fencingToken: members[i]!.fencingToken, error });
      answers.push({ taskId: fact.taskId, outcome: { kind: 'failed', error } });
    }
    break;
  }
  return { answers, records };
}
