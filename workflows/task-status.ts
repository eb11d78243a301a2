/**
 * How what a task's attempt came to (`TaskOutcome`) and a task row's `status` map to each other, written
 * once. Pure (types only): the workflow's state machine, the ledger and the dashboard share it.
 */
import type { TaskOutcome, TaskStatus } from './types';

/** Statuses a task may still leave: a claim takes only these, and a terminal write ends only these. */
export const LIVE_STATUSES: readonly TaskStatus[] = ['queued', 'running'];

export function isLive(status: string): boolean {
  return LIVE_STATUSES.some((live) => live === status);
}

/** The status an attempt's outcome leaves its task in: a rate-limited task waits in its queue again. */
export function statusOfOutcome(outcome: TaskOutcome): TaskStatus {
  return outcome.kind === 'rate_limited' ? 'queued' : outcome.kind;
}

/**
 * The outcome a task row records: the inverse of `statusOfOutcome` for a row an attempt finished. `queued`
 * means rate limited only for a row that carries the attempt's token (the caller knows); any status
 * without an outcome of its own (`failed`, `deduplicated`) reads as failed.
 */
export function outcomeOfRow(row: { status: string; result: unknown; error: { code: string; message: string } | null }): TaskOutcome {
  switch (row.status) {
    case 'succeeded':
      return { kind: 'succeeded', result: row.result };
    case 'skipped':
      return { kind: 'skipped', reason: row.error?.message ?? 'skipped' };
    case 'cancelled':
      return { kind: 'cancelled' };
    case 'queued':
      return { kind: 'rate_limited', message: row.error?.message ?? 'rate limited' };
    default:
      return { kind: 'failed', error: row.error ?? { code: 'failed', message: row.status } };
  }
}
