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

/** The task id in a scheduled runTask's first argument (JSON payload). */
function scheduledTaskId(e: HistoryEvent): string | null {
  const payload = e.activityTaskScheduledEventAttributes?.input?.payloads?.[0];
  if (!payload?.data) return null;
  try {
    const input = JSON.parse(Buffer.from(payload.data).toString('utf8')) as { taskId?: unknown };
    return typeof input.taskId === 'string' ? input.taskId : null;
  } catch {
    return null;
  }
}

interface ActivityTimes {
  taskId: string;
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
      out.push({ taskId: s.taskId, started: s.started, completed: ms(e.eventTime), nextWftStarted: wftStarted, nextWftCompleted: wftCompleted });
    }
  }
  return out;
}

/**
 * Per-step medians and p95s (ms) over consecutive task pairs of the account. `runs` are the ledger's runs
 * of that account with their task ids.
 */
export function handoffSteps(histories: HistoryEvent[][], runs: (Run & { taskId: string })[]) {
  const acts = new Map<string, ActivityTimes>();
  for (const h of histories) for (const a of activityTimes(h)) acts.set(a.taskId, a);
  const ordered = [...runs].sort((a, b) => a.seq - b.seq);
  const steps: Record<HandoffStep, number[]> = { completion: [], dispatch: [], decide: [], start: [], claim: [] };
  for (let i = 1; i < ordered.length; i++) {
    const prev = ordered[i - 1]!;
    const next = ordered[i]!;
    const a = acts.get(prev.taskId);
    const b = acts.get(next.taskId);
    if (!a || !b) continue;
    steps.completion.push(a.completed - prev.end);
    steps.dispatch.push(a.nextWftStarted - a.completed);
    steps.decide.push(a.nextWftCompleted - a.nextWftStarted);
    steps.start.push(b.started - a.nextWftCompleted);
    steps.claim.push(next.start - b.started);
  }
  return Object.fromEntries(
    HANDOFF_STEPS.map((s) => {
      const v = summary(steps[s].filter(Number.isFinite));
      return [s, { n: v.n, p50: v.p50, p95: v.p95 }];
    }),
  ) as Record<HandoffStep, { n: number; p50: number; p95: number }>;
}
