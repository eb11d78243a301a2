/** Small pure helpers not covered elsewhere: loopback detection and the benchmark's run checks. */
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../api/http/loopback';
import { checkRuns } from '../../bench/lib/runs';

describe('edge helpers', () => {
  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::'].some(isLoopback)).toBe(false);
  });

  it("checks a benchmark's runs: duplicates, overlaps and FIFO", () => {
    const ok = checkRuns([{ account: 'a', seq: 0, start: 0, end: 5 }, { account: 'a', seq: 1, start: 5, end: 9 }], 2);
    expect(ok.ok).toBe(true);
    const bad = checkRuns([{ account: 'a', seq: 1, start: 0, end: 5 }, { account: 'a', seq: 0, start: 4, end: 9 }, { account: 'a', seq: 0, start: 10, end: 11 }], 2);
    expect(bad).toMatchObject({ duplicates: 1, overlaps: 1, fifoViolations: 1, ok: false });
  });
});
