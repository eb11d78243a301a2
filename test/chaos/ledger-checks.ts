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
  /** Global order of acknowledgement. Without sentAt/ackedAt, per account it is the order FIFO is checked in. */
  ackSeq: number;
  /** When the client first sent a request carrying the task (client clock, ms); ackSeq when absent. */
  sentAt?: number;
  /** When the client got the task's 2xx (client clock, ms); ackSeq when absent. */
  ackedAt?: number;
  /** Tasks that travel together in one batch request keep their order in it (index). */
  batch?: { id: string; index: number };
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
  /** Must start first: acknowledged before `later` was sent (or ahead of it in one batch); it started (again) after `later` started. */
  earlier: string;
  later: string;
  /** Why `earlier` comes first: its 2xx came before `later` was sent, or it is ahead in the same batch request. */
  rule: 'acknowledged first' | 'batch order';
  /** Event ids: the last `started` of `earlier`, the first `started` of `later`. */
  earlierLastStartId: number;
  laterFirstStartId: number;
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
  /** Ordered pairs of started tasks of one account whose start order was compared (see findFifoViolations). */
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
 * FIFO by acknowledgement, per account: a task acknowledged (2xx seen by the client) before another task of
 * the same account was sent starts first; so does a task ahead of another in the same batch request. Both
 * are facts the client knows without the server's clock; concurrent submissions (the later one sent before
 * the earlier one's 2xx came back) may start in either order. "Starts first" is in ledger order (event
 * ids): the earlier task's LAST `started` comes before the later task's FIRST `started`. A killed attempt,
 * a transient retry and a rate-limited re-run (back to the head of its queue) all happen before anything
 * behind the task starts, so they pass; a task re-run after a later one started does not. Tasks that never
 * started are left out. Without sentAt/ackedAt the order is ackSeq (each task sent after the previous 2xx).
 */
export function findFifoViolations(acked: AckedTask[], runs: Run[]): { violations: FifoViolation[]; pairsChecked: number } {
  const firstStart = new Map<string, number>();
  const lastStart = new Map<string, number>();
  for (const r of runs) {
    firstStart.set(r.taskId, Math.min(firstStart.get(r.taskId) ?? Infinity, r.startId));
    lastStart.set(r.taskId, Math.max(lastStart.get(r.taskId) ?? -Infinity, r.startId));
  }
  const violations: FifoViolation[] = [];
  let pairsChecked = 0;
  for (const [accountId, list] of groupBy(acked, (a) => a.accountId)) {
    const started = list
      .filter((t) => firstStart.has(t.taskId))
      .map((t) => ({ t, sent: t.sentAt ?? t.ackSeq, acked: t.ackedAt ?? t.ackSeq, first: firstStart.get(t.taskId)!, last: lastStart.get(t.taskId)! }));
    const byAck = [...started].sort((a, b) => a.acked - b.acked);
    const bySent = [...started].sort((a, b) => a.sent - b.sent);
    // Sweep: for each task in send order, every task acknowledged before it was sent must have started
    // before it; the one among them that started last is the one to compare with.
    let next = 0;
    let latest: (typeof started)[number] | null = null;
    for (const later of bySent) {
      while (next < byAck.length && byAck[next]!.acked < later.sent) {
        const c = byAck[next++]!;
        if (!latest || c.last > latest.last) latest = c;
      }
      pairsChecked += next;
      if (latest && latest.last > later.first) {
        violations.push({ accountId, earlier: latest.t.taskId, later: later.t.taskId, rule: 'acknowledged first', earlierLastStartId: latest.last, laterFirstStartId: later.first });
      }
    }
    const batches = groupBy(started.filter((s) => s.t.batch), (s) => s.t.batch!.id);
    for (const items of batches.values()) {
      items.sort((a, b) => a.t.batch!.index - b.t.batch!.index);
      let ahead: (typeof started)[number] | null = null;
      for (const later of items) {
        if (ahead) {
          pairsChecked++;
          if (ahead.last > later.first) {
            violations.push({ accountId, earlier: ahead.t.taskId, later: later.t.taskId, rule: 'batch order', earlierLastStartId: ahead.last, laterFirstStartId: later.first });
          }
        }
        if (!ahead || later.last > ahead.last) ahead = later;
      }
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
