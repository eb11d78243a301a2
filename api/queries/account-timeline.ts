/**
 * An account's last tasks on a time axis: for each task the stretches it spent queued and running (a
 * rate-limited task is queued again, then runs again), its outcome, and the account's cooldowns in the
 * same span. Read from the ledger: the task rows by `tasks_account_created_idx`, their queue events by
 * `task_events_task_idx`, the cooldowns from `account_cooldowns` (written by a trigger on
 * `account_states`, migration 0008).
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import type { z } from '@hono/zod-openapi';
import type { AccountTimeline, TimelineCooldown, TimelineSegment, TimelineTask as TimelineTaskSchema } from '../schemas';
import { taskStatusOf } from './ledger-values';
import { OUTCOMES } from './metrics-series';

export type Segment = z.infer<typeof TimelineSegment>;
export type TimelineTask = z.infer<typeof TimelineTaskSchema>;
export type Cooldown = z.infer<typeof TimelineCooldown>;
export type Timeline = z.infer<typeof AccountTimeline>;

/** The newest cooldowns the timeline reads per account (the table keeps 100). */
const COOLDOWNS = 100;
const TERMINAL = new Set<string>(OUTCOMES);

interface EventRow {
  taskId: string;
  type: string;
  at: Date;
}

function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/**
 * A task's stretches from its queue events, in order: `queued`/`requeued` opens a queued stretch,
 * `started` a running one (a retried attempt that starts a running task again keeps it running), a
 * terminal event closes whatever is open.
 */
export function segmentsOf(events: { type: string; at: string }[]): Segment[] {
  const out: Segment[] = [];
  let open: Segment | null = null;
  const close = (at: string) => {
    if (open) open.to = at;
    open = null;
  };
  for (const e of events) {
    if (e.type === 'queued' || e.type === 'requeued') {
      if (open?.state === 'queued') continue;
      close(e.at);
      open = { state: 'queued', from: e.at, to: null };
      out.push(open);
    } else if (e.type === 'started') {
      if (open?.state === 'running') continue;
      close(e.at);
      open = { state: 'running', from: e.at, to: null };
      out.push(open);
    } else if (TERMINAL.has(e.type)) {
      close(e.at);
    }
  }
  return out;
}

/** The timeline, or null when the ledger knows nothing of the account. */
export async function accountTimeline(db: Db, accountId: string, limit: number, now = new Date()): Promise<Timeline | null> {
  const taskRows = rowsOf<{ task_id: string; type: string; status: string; created_at: Date | string; finished_at: Date | string | null }>(
    await db.execute(sql`
      SELECT task_id, type, status, created_at, finished_at FROM tasks
      WHERE account_id = ${accountId}
      ORDER BY created_at DESC, task_id DESC
      LIMIT ${limit}`),
  );
  if (!taskRows.length) {
    const known = rowsOf(await db.execute(sql`SELECT 1 FROM account_states WHERE account_id = ${accountId}`));
    if (!known.length) return null;
  }
  const ids = taskRows.map((t) => t.task_id);
  const since = taskRows.length ? new Date(Math.min(...taskRows.map((t) => new Date(t.created_at).getTime()))) : now;
  const moves = ['queued', 'requeued', 'started', ...OUTCOMES];
  const [eventRows, cooldownRows] = await Promise.all([
    ids.length
      ? db.execute(sql`
          SELECT task_id AS "taskId", type, at FROM task_events
          WHERE task_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))
            AND type IN (${sql.join(moves.map((m) => sql`${m}`), sql`, `)})
          ORDER BY task_id, id`)
      : Promise.resolve([]),
    db.execute(sql`
      SELECT started_at, until, ended_at, reason FROM (
        SELECT * FROM account_cooldowns WHERE account_id = ${accountId} ORDER BY id DESC LIMIT ${COOLDOWNS}
      ) c
      WHERE coalesce(ended_at, until) >= ${since.toISOString()}::timestamptz
      ORDER BY started_at`),
  ]);
  const byTask = new Map<string, { type: string; at: string }[]>();
  for (const e of rowsOf<EventRow>(eventRows)) {
    let list = byTask.get(e.taskId);
    if (!list) byTask.set(e.taskId, (list = []));
    list.push({ type: e.type, at: new Date(e.at).toISOString() });
  }
  return {
    accountId,
    to: now.toISOString(),
    tasks: taskRows.map((t) => ({
      taskId: t.task_id,
      type: t.type,
      status: taskStatusOf(t.status),
      createdAt: iso(t.created_at)!,
      finishedAt: iso(t.finished_at),
      segments: segmentsOf(byTask.get(t.task_id) ?? []),
    })),
    cooldowns: rowsOf<{ started_at: Date | string; until: Date | string; ended_at: Date | string | null; reason: string | null }>(cooldownRows).map((c) => ({
      from: iso(c.started_at)!,
      until: iso(c.until)!,
      endedAt: iso(c.ended_at),
      reason: c.reason,
    })),
  };
}
