/**
 * Where Baton's handoff goes: the time between one task's end and the next one's start split into steps,
 * from the ledger's timestamps (the handler's end and the next claim) and the account workflow's history
 * (when Temporal recorded the completion, ran the workflow task and started the next activity).
 *
 *   completion  handler end (ledger finished_at)      → ActivityTaskCompleted event
 *   dispatch    ActivityTaskCompleted                  → WorkflowTaskStarted (the server hands it to the worker)
 *   decide      WorkflowTaskStarted                    → WorkflowTaskCompleted (the worker's workflow task)
 *   start       WorkflowTaskCompleted                  → next ActivityTaskStarted (eager dispatch: about 0)
 *   claim       next ActivityTaskStarted               → next handler start (ledger started_at: the claim)
 *
 * Those are the handoffs between two activities. Inside a run (one activity running several of the
 * account's tasks) a handoff is one step, `inRun`: handler end → the next task's ledger claim.
 */
import type { temporal } from '@temporalio/proto';
import { summary } from './stats';
import type { Run } from './runs';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export const HANDOFF_STEPS = ['completion', 'dispatch', 'decide', 'start', 'claim'] as const;
export type HandoffStep = (typeof HANDOFF_STEPS)[number];

function ms(t: HistoryEvent['eventTime']): number {
  if (!t) return NaN;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

function firstPayload(p: { payloads?: { data?: Uint8Array | null }[] | null } | null | undefined): unknown {
  const data = p?.payloads?.[0]?.data;
  if (!data) return null;
  try {
    return JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return null;
  }
}

/** The first task of a scheduled activity: `runTasks`' first member, or `runTask`'s task. */
function scheduledTaskId(e: HistoryEvent): string | null {
  const input = firstPayload(e.activityTaskScheduledEventAttributes?.input) as { taskId?: unknown; members?: { taskId: string }[] } | null;
  if (typeof input?.taskId === 'string') return input.taskId;
  return input?.members?.[0]?.taskId ?? null;
}

/** The last task a completed activity ran (`runTasks` answers with the members it ran). */
function lastRanTaskId(e: HistoryEvent, first: string): string {
  const result = firstPayload(e.activityTaskCompletedEventAttributes?.result) as { ran?: { taskId: string }[] } | null;
  return result?.ran?.at(-1)?.taskId ?? first;
}

interface ActivityTimes {
  /** The activity's first task and the last one it ran. */
  taskId: string;
  lastTaskId: string;
  started: number;
  completed: number;
  /** The workflow task that followed the completion: started and completed. */
  nextWftStarted: number;
  nextWftCompleted: number;
}

function activityTimes(events: HistoryEvent[]): ActivityTimes[] {
  const scheduled = new Map<number, { taskId: string; started?: number }>();
  const out: ActivityTimes[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const id = Number(e.eventId ?? 0);
    if (e.activityTaskScheduledEventAttributes) {
      const taskId = scheduledTaskId(e);
      if (taskId) scheduled.set(id, { taskId });
    } else if (e.activityTaskStartedEventAttributes) {
      const s = scheduled.get(Number(e.activityTaskStartedEventAttributes.scheduledEventId ?? 0));
      if (s) s.started = ms(e.eventTime);
    } else if (e.activityTaskCompletedEventAttributes) {
      const s = scheduled.get(Number(e.activityTaskCompletedEventAttributes.scheduledEventId ?? 0));
      if (!s || s.started === undefined) continue;
      let wftStarted = NaN;
      let wftCompleted = NaN;
      for (let j = i + 1; j < events.length; j++) {
        const f = events[j]!;
        if (Number.isNaN(wftStarted) && f.workflowTaskStartedEventAttributes) wftStarted = ms(f.eventTime);
        if (!Number.isNaN(wftStarted) && f.workflowTaskCompletedEventAttributes) {
          wftCompleted = ms(f.eventTime);
          break;
        }
      }
      out.push({
        taskId: s.taskId, lastTaskId: lastRanTaskId(e, s.taskId),
        started: s.started, completed: ms(e.eventTime), nextWftStarted: wftStarted, nextWftCompleted: wftCompleted,
      });
    }
  }
  return out;
}

/**
 * Per-step medians and p95s (ms) over consecutive task pairs of the account. `runs` are the ledger's runs
 * of that account with their task ids.
 */
export function handoffSteps(histories: HistoryEvent[][], runs: (Run & { taskId: string })[]) {
  const byFirst = new Map<string, ActivityTimes>();
  const byLast = new Map<string, ActivityTimes>();
  for (const h of histories) {
    for (const a of activityTimes(h)) {
      byFirst.set(a.taskId, a);
      byLast.set(a.lastTaskId, a);
    }
  }
  const ordered = [...runs].sort((a, b) => a.seq - b.seq);
  const steps: Record<HandoffStep | 'inRun', number[]> = { completion: [], dispatch: [], decide: [], start: [], claim: [], inRun: [] };
  for (let i = 1; i < ordered.length; i++) {
    const prev = ordered[i - 1]!;
    const next = ordered[i]!;
    const a = byLast.get(prev.taskId);
    const b = byFirst.get(next.taskId);
    if (!a && !b) {
      steps.inRun.push(next.start - prev.end);
      continue;
    }
    if (!a || !b) continue;
    steps.completion.push(a.completed - prev.end);
    steps.dispatch.push(a.nextWftStarted - a.completed);
    steps.decide.push(a.nextWftCompleted - a.nextWftStarted);
    steps.start.push(b.started - a.nextWftCompleted);
    steps.claim.push(next.start - b.started);
  }
  return Object.fromEntries(
    [...HANDOFF_STEPS, 'inRun' as const].map((s) => {
      const v = summary(steps[s].filter(Number.isFinite));
      return [s, { n: v.n, p50: v.p50, p95: v.p95 }];
    }),
  ) as Record<HandoffStep | 'inRun', { n: number; p50: number; p95: number }>;
}
