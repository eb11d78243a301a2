/**
 * The rules of waiting, each written once: why a queued task has not started, and when the account's next
 * task can start. Used by the workflow's waiting list, by the API from the ledger's rows and by the
 * dashboard when it rebuilds a waiting list. Plain TypeScript with no imports but types, so all three can
 * load it.
 */
import type { WaitingReason } from './types';

export interface WaitFacts {
  suspended: boolean;
  /** Epoch ms the account's cooldown ends; null without one. */
  cooldownUntilMs: number | null;
  /** Epoch ms before which the task does not start; null or undefined when it may start now. */
  runAfterMs: number | null | undefined;
}

export function waitingReason(f: WaitFacts, nowMs: number): WaitingReason {
  if (f.suspended) return 'account_suspended';
  if (f.cooldownUntilMs !== null && f.cooldownUntilMs > nowMs) return 'account_cooldown';
  if (f.runAfterMs != null && f.runAfterMs > nowMs) return 'scheduled';
  return 'account_busy';
}

export interface NextStartFacts {
  nowMs: number;
  /** Epoch ms the account's cooldown ends; null without one. */
  cooldownUntilMs: number | null;
  /** Epoch ms the running task started; null when none runs. */
  runningSinceMs: number | null;
  /** The median duration of the account's recent tasks; null before one finished. */
  typicalMs: number | null;
}

/**
 * When the account's next task can start: the later of now and the cooldown's end, plus what is left of the
 * running task (its typical duration less how long it has run). Null while a task of unknown length runs.
 * Each task after it takes `typicalMs` more.
 */
export function nextStartMs(f: NextStartFacts): number | null {
  let runningLeft = 0;
  if (f.runningSinceMs !== null) {
    if (f.typicalMs === null) return null;
    runningLeft = Math.max(0, f.typicalMs - (f.nowMs - f.runningSinceMs));
  }
  return Math.max(f.nowMs, f.cooldownUntilMs ?? 0) + runningLeft;
}
