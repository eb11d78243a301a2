/**
 * The fault run's verdict, computed from the ledger alone (tables tasks, task_events, interaction_events)
 * and the list of tasks the API acknowledged with a 2xx. Pure functions: test/chaos/ledger-checks.test.ts
 * feeds them hand-made ledgers with known faults.
 *
 * Runs. A run is one attempt of a task: a `started` event (written when the attempt claims the task) up to
 * the next event of the same task that ends it: a terminal event, `requeued` (rate limited), `retry`
 * (transient failure, Temporal runs it again), or the next `started` of the same task (the attempt was
 * killed and Temporal started a new one; a killed attempt leaves no end of its own). Two runs of one
 * account overlap when their time intervals intersect; the same is checked in ledger order (event ids)
 * as well, which does not depend on clocks.
 */

export const TERMINAL = ['succeeded', 'failed', 'skipped', 'cancelled', 'deduplicated'] as const;
const TERMINAL_SET = new Set<string>(TERMINAL);
const RUN_ENDS = new Set<string>([...TERMINAL, 'requeued', 'retry']);

export interface AckedTask {
  taskId: string;
  accountId: string;
  /** Global order of acknowledgement; per account it is the order the client submitted in. */
  ackSeq: number;
}

export interface TaskRow {
  taskId: string;
  accountId: string;
  status: string;
}

export interface TaskEvent {
  id: number;
  taskId: string;
  accountId: string;
  type: string;
  at: Date;
  data: unknown;
}

export interface InteractionEvent {
  accountId: string;
  target: string;
  action: string;
  status: string;
  taskId: string | null;
}

export interface Run {
  accountId: string;
  taskId: string;
  activityAttempt: number | null;
  startId: number;
  start: number;
  /** Null when nothing ended it (the task never finished). */
  endId: number | null;
  end: number | null;
  endedBy: string | null;
  /** The ending event's data (a `retry` names the activity attempt that wrote it). */
  endData: unknown;
}

export interface Overlap {
  accountId: string;
  first: Run;
  second: Run;
}

export interface FifoViolation {
  accountId: string;
  /** Acknowledged earlier, its final run started later. */
  earlier: string;
  later: string;
}

export interface Verdict {
  acknowledged: number;
  /** Acknowledged tasks without a row in `tasks`. */
  missing: string[];
  /** Acknowledged tasks whose row is not terminal. */
  notTerminal: { taskId: string; status: string }[];
  /** lost = missing + notTerminal. */
  lost: number;
  /** Tasks (acknowledged or not) with more than one terminal event. */
  duplicates: { taskId: string; terminalEvents: string[] }[];
  /** Rows still queued or running, acknowledged or not. */
  liveRows: number;
  /** Acknowledged tasks whose row is terminal but that have no terminal event (or the other way round). */
  statusMismatches: { taskId: string; status: string; terminalEvent: string | null }[];
  runs: number;
  openRuns: Run[];
  overlaps: Overlap[];
  /** Overlaps seen in ledger order (event ids) rather than by time. */
  ledgerOrderOverlaps: Overlap[];
  fifoViolations: FifoViolation[];
  /** Consecutive acknowledged tasks of one account whose start order was compared. */
  fifoPairsChecked: number;
  /** (account, target, action) keys with more than one `success` interaction event. */
  duplicateInteractionSuccesses: { key: string; successes: number; taskIds: (string | null)[] }[];
  interactionEventsChecked: number | null;
  /**
   * Tasks that recorded an interaction `success` and still ended `skipped`: an attempt did the interaction,
   * died before recording the task's end, and the retry met the window its own success had opened.
   */
  skippedAfterOwnSuccess: { taskId: string; events: string[] }[];
  /** Terminal statuses of acknowledged tasks. */
  statusCounts: Record<string, number>;
  /** Tasks in the ledger that were never acknowledged (the client gave up; they may still have run). */
  unacknowledgedInLedger: number;
}

/** The runs of every task, from its events (any order; sorted by id here). */
export function buildRuns(events: TaskEvent[]): Run[] {
  const byTask = new Map<string, TaskEvent[]>();
  for (const e of events) {
    const list = byTask.get(e.taskId) ?? [];
    list.push(e);
    byTask.set(e.taskId, list);
  }
  const runs: Run[] = [];
  for (const list of byTask.values()) {
    list.sort((a, b) => a.id - b.id);
    list.forEach((e, i) => {
      if (e.type !== 'started') return;
      const end = list.slice(i + 1).find((n) => n.type === 'started' || RUN_ENDS.has(n.type));
      const data = (e.data ?? {}) as { activityAttempt?: number };
      runs.push({
        accountId: e.accountId,
        taskId: e.taskId,
        activityAttempt: typeof data.activityAttempt === 'number' ? data.activityAttempt : null,
        startId: e.id,
        start: e.at.getTime(),
        endId: end?.id ?? null,
        end: end ? end.at.getTime() : null,
        endedBy: end?.type ?? null,
        endData: end?.data ?? null,
      });
    });
  }
  return runs;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k) ?? [];
    list.push(it);
    m.set(k, list);
  }
  return m;
}

/** Pairs of runs of one account whose time intervals intersect (open runs count as instants). */
export function findOverlaps(runs: Run[]): Overlap[] {
  const overlaps: Overlap[] = [];
  for (const [accountId, list] of groupBy(runs, (r) => r.accountId)) {
    const sorted = [...list].sort((a, b) => a.start - b.start || a.startId - b.startId);
    let widest: Run | null = null; // the run reaching furthest so far
    for (const run of sorted) {
      if (widest && run.start < (widest.end ?? widest.start)) overlaps.push({ accountId, first: widest, second: run });
      if (!widest || (run.end ?? run.start) > (widest.end ?? widest.start)) widest = run;
    }
  }
  return overlaps;
}

/** The same in ledger order: a `started` while another task's run of the account is still open. */
export function findLedgerOrderOverlaps(events: TaskEvent[], runs: Run[]): Overlap[] {
  const runByStart = new Map(runs.map((r) => [r.startId, r]));
  const overlaps: Overlap[] = [];
  for (const [accountId, list] of groupBy(events, (e) => e.accountId)) {
    let open: Run | null = null;
    for (const e of [...list].sort((a, b) => a.id - b.id)) {
      if (e.type === 'started') {
        const run = runByStart.get(e.id)!;
        if (open && open.taskId !== e.taskId) overlaps.push({ accountId, first: open, second: run });
        open = run;
      } else if (open && open.taskId === e.taskId && RUN_ENDS.has(e.type)) {
        open = null;
      }
    }
  }
  return overlaps;
}

/**
 * FIFO per account: acknowledged tasks, in the order they were acknowledged, start their final run in that
 * order (ledger order of the last `started` event). A rate-limited task goes back to the head of its
 * queue, so its final run still comes before the tasks behind it. Tasks that never started are left out.
 */
export function findFifoViolations(acked: AckedTask[], runs: Run[]): { violations: FifoViolation[]; pairsChecked: number } {
  const finalStart = new Map<string, number>();
  for (const r of runs) finalStart.set(r.taskId, Math.max(finalStart.get(r.taskId) ?? -Infinity, r.startId));
  const violations: FifoViolation[] = [];
  let pairsChecked = 0;
  for (const [accountId, list] of groupBy(acked, (a) => a.accountId)) {
    let latest: { taskId: string; startId: number } | null = null;
    for (const t of [...list].sort((a, b) => a.ackSeq - b.ackSeq)) {
      const startId = finalStart.get(t.taskId);
      if (startId === undefined) continue;
      if (latest) pairsChecked++;
      if (latest && startId < latest.startId) violations.push({ accountId, earlier: latest.taskId, later: t.taskId });
      if (!latest || startId > latest.startId) latest = { taskId: t.taskId, startId };
    }
  }
  return { violations, pairsChecked };
}

export function findDuplicateInteractionSuccesses(events: InteractionEvent[]): Verdict['duplicateInteractionSuccesses'] {
  const successes = groupBy(events.filter((e) => e.status === 'success'), (e) => `${e.accountId} / ${e.target} / ${e.action}`);
  return [...successes.entries()]
    .filter(([, list]) => list.length > 1)
    .map(([key, list]) => ({ key, successes: list.length, taskIds: list.map((e) => e.taskId) }));
}

export function findSkippedAfterOwnSuccess(events: InteractionEvent[], rows: Map<string, TaskRow>): Verdict['skippedAfterOwnSuccess'] {
  const byTask = groupBy(events.filter((e) => e.taskId), (e) => e.taskId!);
  return [...byTask.entries()]
    .filter(([taskId, list]) => rows.get(taskId)?.status === 'skipped' && list.some((e) => e.status === 'success'))
    .map(([taskId, list]) => ({ taskId, events: list.map((e) => e.status) }));
}

export function judge(input: {
  acked: AckedTask[];
  tasks: TaskRow[];
  events: TaskEvent[];
  /** Null when the ledger has no interaction_events table. */
  interactions: InteractionEvent[] | null;
}): Verdict {
  const rows = new Map(input.tasks.map((t) => [t.taskId, t]));
  const terminalEvents = new Map<string, string[]>();
  for (const e of input.events) {
    if (!TERMINAL_SET.has(e.type)) continue;
    const list = terminalEvents.get(e.taskId) ?? [];
    list.push(e.type);
    terminalEvents.set(e.taskId, list);
  }
  const missing: string[] = [];
  const notTerminal: Verdict['notTerminal'] = [];
  const statusMismatches: Verdict['statusMismatches'] = [];
  const statusCounts: Record<string, number> = {};
  const ackedIds = new Set<string>();
  for (const a of input.acked) {
    ackedIds.add(a.taskId);
    const row = rows.get(a.taskId);
    if (!row) {
      missing.push(a.taskId);
      continue;
    }
    statusCounts[row.status] = (statusCounts[row.status] ?? 0) + 1;
    const terminal = TERMINAL_SET.has(row.status);
    if (!terminal) notTerminal.push({ taskId: a.taskId, status: row.status });
    const events = terminalEvents.get(a.taskId) ?? [];
    if (terminal && (events.length === 0 || !events.includes(row.status))) {
      statusMismatches.push({ taskId: a.taskId, status: row.status, terminalEvent: events[0] ?? null });
    }
  }
  const duplicates = [...terminalEvents.entries()]
    .filter(([, list]) => list.length > 1)
    .map(([taskId, list]) => ({ taskId, terminalEvents: list }));
  const runs = buildRuns(input.events);
  const fifo = findFifoViolations(input.acked, runs);
  return {
    acknowledged: input.acked.length,
    missing,
    notTerminal,
    lost: missing.length + notTerminal.length,
    duplicates,
    liveRows: input.tasks.filter((t) => !TERMINAL_SET.has(t.status)).length,
    statusMismatches,
    runs: runs.length,
    openRuns: runs.filter((r) => r.endId === null),
    overlaps: findOverlaps(runs),
    ledgerOrderOverlaps: findLedgerOrderOverlaps(input.events, runs),
    fifoViolations: fifo.violations,
    fifoPairsChecked: fifo.pairsChecked,
    duplicateInteractionSuccesses: input.interactions ? findDuplicateInteractionSuccesses(input.interactions) : [],
    interactionEventsChecked: input.interactions ? input.interactions.length : null,
    skippedAfterOwnSuccess: input.interactions ? findSkippedAfterOwnSuccess(input.interactions, rows) : [],
    statusCounts,
    unacknowledgedInLedger: input.tasks.filter((t) => !ackedIds.has(t.taskId)).length,
  };
}
