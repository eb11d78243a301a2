/**
 * The overview's time series, computed from the ledger (`task_events`, `tasks`) in one statement each:
 *
 * - **finished**: terminal events per bucket and outcome (a task's terminal event is written once).
 * - **queued**: how many tasks were queued at the end of each bucket. The count now (`status = 'queued'`)
 *   is walked back through the queue's moves since the window began: `queued` and `requeued` events
 *   entered the queue, a `started` or terminal event left it when the task's previous queue event was a
 *   `queued` or `requeued` one (a retried attempt starts a running task again; a running task that fails
 *   never was in the queue). Both reads are one statement, so they see one snapshot.
 *
 * Buckets are `date_bin` aligned to the step from the epoch, so a short window (the dashboard's live
 * updates) returns exactly the buckets a long one has at its end. Both statements read `task_events` by
 * `task_events_at_idx` (migration 0008); a task's previous queue event, when it lies before the window,
 * by `task_events_task_idx`.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import type { TaskStatus } from '../../workflows/types';

/** The terminal statuses, as the series' fields (test/api/series.test.ts holds them to TERMINAL_STATUSES). */
export const OUTCOMES = ['succeeded', 'failed', 'cancelled', 'skipped', 'deduplicated'] as const satisfies readonly TaskStatus[];
export type Outcome = (typeof OUTCOMES)[number];

export interface SeriesWindow {
  /** Bucket width, seconds. */
  stepSeconds: number;
  /** Number of buckets; the last one holds `now` (it is still filling). */
  points: number;
  now: Date;
}

export type FinishedPoint = { at: string } & Record<Outcome, number>;
export interface QueuedPoint {
  at: string;
  count: number;
}

/** Where the buckets start: the first, and the last (the one holding `now`). */
export function bucketsOf(w: SeriesWindow): { first: Date; last: Date } {
  const stepMs = w.stepSeconds * 1000;
  const last = Math.floor(w.now.getTime() / stepMs) * stepMs;
  return { first: new Date(last - (w.points - 1) * stepMs), last: new Date(last) };
}

const ENTERS = ['queued', 'requeued'];
const QUEUE_MOVES = [...ENTERS, 'started', ...OUTCOMES];

function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

const list = (values: readonly string[]) => sql.join(values.map((v) => sql`${v}`), sql`, `);

export async function finishedSeries(db: Db, w: SeriesWindow): Promise<FinishedPoint[]> {
  const { first, last } = bucketsOf(w);
  const step = sql`make_interval(secs => ${w.stepSeconds}::int)`;
  const columns = sql.join(
    OUTCOMES.map((o) => sql`coalesce(sum(c.n) FILTER (WHERE c.type = ${o}), 0)::int AS ${sql.identifier(o)}`),
    sql`, `,
  );
  const result = await db.execute(sql`
    WITH counts AS (
      SELECT date_bin(${step}, e.at, ${first.toISOString()}::timestamptz) AS bucket, e.type, count(*) AS n
      FROM task_events e
      WHERE e.at >= ${first.toISOString()}::timestamptz AND e.type IN (${list(OUTCOMES)})
      GROUP BY 1, 2
    )
    SELECT s.at, ${columns}
    FROM generate_series(${first.toISOString()}::timestamptz, ${last.toISOString()}::timestamptz, ${step}) AS s(at)
    LEFT JOIN counts c ON c.bucket = s.at
    GROUP BY s.at
    ORDER BY s.at`);
  return rowsOf<Record<string, unknown>>(result).map((r) => {
    const point = { at: new Date(r.at as string | Date).toISOString() } as FinishedPoint;
    for (const o of OUTCOMES) point[o] = Number(r[o] ?? 0);
    return point;
  });
}

export async function queuedSeries(db: Db, w: SeriesWindow): Promise<QueuedPoint[]> {
  const { first, last } = bucketsOf(w);
  const step = sql`make_interval(secs => ${w.stepSeconds}::int)`;
  // Moves before the end of the first bucket do not change any point.
  const from = new Date(first.getTime() + w.stepSeconds * 1000).toISOString();
  const result = await db.execute(sql`
    WITH moves AS (
      SELECT e.at, e.type,
             lag(e.type) OVER (PARTITION BY e.task_id ORDER BY e.id) AS previous,
             e.task_id, e.id
      FROM task_events e
      WHERE e.at >= ${from}::timestamptz AND e.type IN (${list(QUEUE_MOVES)})
    ),
    deltas AS (
      -- A writer's clock ahead of ours puts a move after the last bucket: it counts in the last one.
      SELECT least(date_bin(${step}, m.at, ${first.toISOString()}::timestamptz), ${last.toISOString()}::timestamptz) AS bucket,
             sum(CASE
               WHEN m.type IN (${list(ENTERS)}) THEN 1
               WHEN coalesce(m.previous, (
                 SELECT p.type FROM task_events p
                 WHERE p.task_id = m.task_id AND p.id < m.id AND p.type IN (${list(['started', ...ENTERS])})
                 ORDER BY p.id DESC LIMIT 1
               )) IN (${list(ENTERS)}) THEN -1
               ELSE 0 END) AS delta
      FROM moves m
      GROUP BY 1
    ),
    queued_now AS (SELECT count(*) AS n FROM tasks WHERE status = 'queued')
    SELECT s.at,
           (SELECT n FROM queued_now) - coalesce(sum(d.delta) OVER (ORDER BY s.at DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS count
    FROM generate_series(${first.toISOString()}::timestamptz, ${last.toISOString()}::timestamptz, ${step}) AS s(at)
    LEFT JOIN deltas d ON d.bucket = s.at
    ORDER BY s.at`);
  const stepMs = w.stepSeconds * 1000;
  return rowsOf<{ at: string | Date; count: string | number }>(result).map((r) => {
    // Each point is the count at its bucket's end; the last bucket ends now.
    const end = Math.min(new Date(r.at).getTime() + stepMs, w.now.getTime());
    return { at: new Date(end).toISOString(), count: Math.max(0, Number(r.count)) };
  });
}
