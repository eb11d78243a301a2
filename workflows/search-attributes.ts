/**
 * Search attributes Baton upserts so the Temporal Web UI can filter accounts. The dev server registers
 * them at start (scripts/temporal-cli.ts); a cluster needs `temporal operator search-attribute create`.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const AccountStateKey = defineSearchAttributeKey('AccountState', SearchAttributeType.KEYWORD);
export const QueueLengthKey = defineSearchAttributeKey('QueueLength', SearchAttributeType.INT);
export const CooldownUntilKey = defineSearchAttributeKey('CooldownUntil', SearchAttributeType.DATETIME);

export const SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'Int' | 'Datetime'> = {
  AccountState: 'Keyword',
  QueueLength: 'Int',
  CooldownUntil: 'Datetime',
};

/**
 * The QueueLength to show in the Web UI, given the one shown now. Each upsert is a history event and a
 * visibility write on the server, so a draining queue does not publish every task: a new value goes out
 * when it differs by a tenth or more, or reaches or leaves 0. What the UI shows is within 10 % (and exact
 * at 0); the API's account view is always exact.
 */
export function queueLengthToPublish(shown: number | null, current: number): number {
  if (shown === null || shown === 0 || current === 0) return current;
  return Math.abs(current - shown) * 10 >= shown ? current : shown;
}
