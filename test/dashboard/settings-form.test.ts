/** The settings page's retention wording: periods as people say them, the cutoff, a cleanup's answer in a sentence. */
import { describe, expect, it } from 'vitest';
import { cleanupSummary, cutoffOf, days } from '../../dashboard/client/settings-form';

describe('retention wording', () => {
  it('says a period in days', () => {
    expect(days(30)).toBe('30 days');
    expect(days(1)).toBe('1 day');
    expect(days(0.5)).toBe('0.5 days');
    expect(days(undefined)).toBe('—');
  });

  it('puts the cutoff that many days back', () => {
    expect(cutoffOf(2, Date.UTC(2026, 0, 10)).toISOString()).toBe('2026-01-08T00:00:00.000Z');
  });

  it('says what a cleanup deleted, and when it must run again', () => {
    const r = { deleted: { tasks: 1, taskEvents: 3, accountErrors: 0, accounts: 2 }, done: true, batches: 3, longestBatchMs: 12 };
    expect(cleanupSummary(r)).toBe('Deleted 1 finished task, 3 events, 0 error rows and 2 idle accounts (3 batches, the longest 12 ms).');
    expect(cleanupSummary({ ...r, deleted: { ...r.deleted, tasks: 5000 }, done: false })).toMatch(/^Deleted 5,000 finished tasks.*run it again for the rest\.$/);
  });
});
