/**
 * Where queued tasks stand, from the ledger: each one's position in its account's queue (0 = next), why it
 * waits, and when it should start. One place for the single task (`GET /api/tasks/{taskId}`) and the lists
 * (`GET /api/tasks?status=queued`), so they always agree.
 *
 * The expected start follows the rule of the workflow's live waiting list (workflows/account-state/view.ts
 * `waitingList`) with the ledger's figures: from the later of now and the cooldown's end, plus what is left
 * of the running task, each task ahead takes the median duration of the account's recent tasks; a scheduled
 * task starts no earlier than its time. Without a finished task to learn a duration from, only the next
 * task's start is known (and none while a task of unknown length runs); a suspended account has none (a
 * person decides). The live list also reorders around scheduled tasks that are not yet due; this one does
 * not, so it may differ there.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { accountStates, tasks } from '../../db/schema';
import type { WaitingReason } from '../../workflows/types';
import { nextStartMs, waitingReason } from '../../workflows/waiting';

type TaskRow = typeof tasks.$inferSelect;
type AccountRow = typeof accountStates.$inferSelect;

/** Why a queued task waits, from its account's recorded state and its own runAfter (the rule: workflows/waiting.ts). */
export function waitingReasonFor(account: AccountRow | undefined, runAfter: Date | null, now = new Date()): WaitingReason {
  return waitingReason({
    suspended: account?.state === 'SUSPENDED',
    cooldownUntilMs: account?.cooldownUntil?.getTime() ?? null,
    runAfterMs: runAfter?.getTime() ?? null,
  }, now.getTime());
}

export interface QueuedPlace {
  position: number;
  waitingReason: WaitingReason;
  /** ISO 8601; absent when it cannot be estimated (see the module comment). */
  eta?: string;
}

/** How many recent tasks of an account give its typical duration (as the workflow keeps 20). */
const RECENT_TASKS = 20;

/** The expected start of a queued task; undefined when it cannot be estimated. */
export function expectedStart(input: {
  position: number;
  runAfter: Date | null;
  account: AccountRow | undefined;
  /** Median duration of the account's recent tasks, or null without one. */
  typicalMs: number | null;
  now: Date;
}): Date | undefined {
  const { position, runAfter, account, typicalMs, now } = input;
  if (account?.state === 'SUSPENDED') return undefined;
  const start = nextStartMs({
    nowMs: now.getTime(),
    cooldownUntilMs: account?.cooldownUntil?.getTime() ?? null,
    runningSinceMs: account?.runningTaskId ? (account.runningSince?.getTime() ?? now.getTime()) : null,
    typicalMs,
  });
  if (start === null) return undefined;
  let clock = start;
  if (position > 0) {
    if (typicalMs === null) return undefined;
    clock += position * typicalMs;
  }
  return new Date(Math.max(clock, runAfter?.getTime() ?? 0));
}

const jsonList = (values: unknown[]) => sql`${JSON.stringify(values)}::jsonb`;
const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

/** Places of the given rows that are queued (others are left out), in three statements whatever their number. */
export async function queuedPlaces(db: Db, rows: TaskRow[], now = new Date()): Promise<Map<string, QueuedPlace>> {
  const queued = rows.filter((r) => r.status === 'queued');
  const places = new Map<string, QueuedPlace>();
  if (queued.length === 0) return places;
  const accountIds = [...new Set(queued.map((r) => r.accountId))];
  const [positions, accounts, typical] = await Promise.all([
    // Queue order as the workflow keeps it: priority first, then the order it was acknowledged in (seq).
    db.execute(sql`
      SELECT t.task_id, (SELECT count(*) FROM ${tasks} a
                          WHERE a.account_id = t.account_id AND a.status = 'queued'
                            AND (a.priority > t.priority OR (a.priority = t.priority AND a.seq < t.seq)))::int AS position
      FROM ${tasks} t WHERE t.task_id IN (SELECT jsonb_array_elements_text(${jsonList(queued.map((r) => r.taskId))}))`),
    db.select().from(accountStates).where(sql`${accountStates.accountId} IN (SELECT jsonb_array_elements_text(${jsonList(accountIds)}))`),
    db.execute(sql`
      SELECT ids.id AS account_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY d.ms) AS typical_ms
      FROM jsonb_array_elements_text(${jsonList(accountIds)}) AS ids(id)
      CROSS JOIN LATERAL (
        SELECT extract(epoch FROM finished_at - started_at) * 1000 AS ms FROM ${tasks}
        WHERE account_id = ids.id AND started_at IS NOT NULL AND finished_at IS NOT NULL
        -- The latest to start, read from tasks_account_started_idx in its order (DESC NULLS LAST): no sort.
        ORDER BY started_at DESC NULLS LAST LIMIT ${RECENT_TASKS}
      ) AS d
      GROUP BY ids.id`),
  ]);
  const positionOf = new Map(rowsOf<{ task_id: string; position: number }>(positions).map((p) => [p.task_id, Number(p.position)]));
  const accountOf = new Map(accounts.map((a) => [a.accountId, a]));
  const typicalOf = new Map(rowsOf<{ account_id: string; typical_ms: number | string | null }>(typical).map((t) => [t.account_id, t.typical_ms === null ? null : Number(t.typical_ms)]));
  for (const row of queued) {
    const account = accountOf.get(row.accountId);
    const position = positionOf.get(row.taskId) ?? 0;
    const place: QueuedPlace = { position, waitingReason: waitingReasonFor(account, row.runAfter, now) };
    const eta = expectedStart({ position, runAfter: row.runAfter, account, typicalMs: typicalOf.get(row.accountId) ?? null, now });
    if (eta) place.eta = eta.toISOString();
    places.set(row.taskId, place);
  }
  return places;
}
