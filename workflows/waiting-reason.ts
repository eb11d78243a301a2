/**
 * Why a queued task has not started: the one rule, used by the workflow's waiting list, by the API from the
 * ledger's rows and by the dashboard when it rebuilds a waiting list. Plain TypeScript with no imports but
 * types, so all three can load it.
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
