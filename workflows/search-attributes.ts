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
