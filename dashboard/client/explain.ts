/** Says in words why a task waits: the account page explains every waiting task. */
import { shortId, time } from './format';
import { waitingReason } from '../../workflows/waiting';
import type { Account, Task, WaitingReason, WaitingTask } from './types';

export function explainWaiting(w: WaitingTask, account: Account): string {
  const ahead = w.position === 0 ? 'It is next.' : `${w.position} ${w.position === 1 ? 'task is' : 'tasks are'} ahead of it.`;
  switch (w.waitingReason) {
    case 'account_busy':
      return account.runningTaskId
        ? `The account is running ${account.runningTaskType ?? 'a task'} ${shortId(account.runningTaskId)}; one task at a time. ${ahead}`
        : `The account is about to start its next task. ${ahead}`;
    case 'account_cooldown':
      return `The account is cooling down${account.cooldownUntil ? ` until ${time(account.cooldownUntil)}` : ''}${account.cooldownReason ? ` (${account.cooldownReason})` : ''}. ${ahead}`;
    case 'account_suspended':
      return `The account is suspended${account.suspendedReason ? ` (${account.suspendedReason})` : ''}; nothing starts until it is resumed. ${ahead}`;
    case 'scheduled':
      return `Scheduled: it does not start before ${time(w.runAfter)}. ${ahead}`;
    default:
      return ahead;
  }
}

/** The reason the ledger implies, by the rule the workflow and the API use. */
function reasonFor(account: Account, runAfter: string | undefined, now: number): WaitingReason {
  return waitingReason({
    suspended: account.state === 'SUSPENDED',
    cooldownUntilMs: account.cooldownUntil ? Date.parse(account.cooldownUntil) : null,
    runAfterMs: runAfter ? Date.parse(runAfter) : null,
  }, now);
}

/**
 * The waiting list rebuilt from the ledger's queued tasks, for when the workflow did not answer in time:
 * queue order (priority, then arrival), reasons from the recorded account state, no ETAs.
 */
export function waitingFromLedger(account: Account, queued: Task[], now = Date.now()): WaitingTask[] {
  return [...queued]
    .filter((t) => t.status === 'queued')
    .sort((a, b) => b.priority - a.priority || a.createdAt.localeCompare(b.createdAt))
    .map((t, position) => ({
      taskId: t.taskId,
      type: t.type,
      position,
      waitingReason: reasonFor(account, t.runAfter, now),
      enqueuedAt: t.createdAt,
      priority: t.priority,
      ...(t.runAfter ? { runAfter: t.runAfter } : {}),
    }));
}

/** What a waiting list says in place of an expected start, when the workflow gave none. */
export function noEta(w: Pick<Task, 'waitingReason' | 'runAfter'> | Pick<WaitingTask, 'waitingReason' | 'runAfter'>): string {
  if (w.waitingReason === 'account_suspended') return 'after a resume';
  if (w.waitingReason === 'scheduled' && w.runAfter) return `not before ${time(w.runAfter)}`;
  return 'not known yet';
}
