/**
 * What every system reports about the tasks it ran, and the invariants a result must keep to count:
 * every task done exactly once, no two runs of one account overlapping, FIFO within each account.
 */
export interface Run {
  account: string;
  /** Submission order within the account. */
  seq: number;
  start: number;
  end: number;
}

export interface Check {
  done: number;
  expected: number;
  duplicates: number;
  overlaps: number;
  fifoViolations: number;
  ok: boolean;
}

export function checkRuns(runs: Run[], expected: number): Check {
  const byAccount = new Map<string, Run[]>();
  const seen = new Set<string>();
  let duplicates = 0;
  for (const r of runs) {
    const key = `${r.account}#${r.seq}`;
    if (seen.has(key)) duplicates += 1;
    seen.add(key);
    const list = byAccount.get(r.account) ?? [];
    list.push(r);
    byAccount.set(r.account, list);
  }
  let overlaps = 0;
  let fifoViolations = 0;
  for (const list of byAccount.values()) {
    list.sort((a, b) => a.start - b.start || a.seq - b.seq);
    for (let i = 1; i < list.length; i++) {
      if (list[i]!.start < list[i - 1]!.end) overlaps += 1;
      if (list[i]!.seq < list[i - 1]!.seq) fifoViolations += 1;
    }
  }
  const done = seen.size;
  return { done, expected, duplicates, overlaps, fifoViolations, ok: done === expected && duplicates === 0 && overlaps === 0 && fifoViolations === 0 };
}

/** Gaps between one task's end and the next one's start, within each account. */
export function handoffGaps(runs: Run[]): number[] {
  const byAccount = new Map<string, Run[]>();
  for (const r of runs) byAccount.set(r.account, [...(byAccount.get(r.account) ?? []), r]);
  const gaps: number[] = [];
  for (const list of byAccount.values()) {
    list.sort((a, b) => a.seq - b.seq);
    for (let i = 1; i < list.length; i++) gaps.push(list[i]!.start - list[i - 1]!.end);
  }
  return gaps;
}
