/**
 * Reads for cross-account answers. They come from the Postgres projections the activities write, never
 * from querying every workflow.
 */
import { and, asc, count, desc, eq, gt, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { accountStates, tasks } from '../db/schema';
import type { WaitingReason } from '../workflows/types';
import { ApiError } from './errors';

type TaskRow = typeof tasks.$inferSelect;
type AccountRow = typeof accountStates.$inferSelect;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : undefined);

export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string, shape: ('string' | 'number')[]): (string | number)[] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && parts.length === shape.length && parts.every((p, i) => typeof p === shape[i])) {
      return parts as (string | number)[];
    }
  } catch {
    // fall through to the error below
  }
  throw new ApiError(400, 'invalid_cursor', 'the cursor is not one this API handed out');
}

export function waitingReasonFor(account: AccountRow | undefined, runAfter: Date | null, now = new Date()): WaitingReason {
  if (account?.state === 'SUSPENDED') return 'account_suspended';
  if (account?.cooldownUntil && account.cooldownUntil > now) return 'account_cooldown';
  if (runAfter && runAfter > now) return 'scheduled';
  return 'account_busy';
}

export function taskView(row: TaskRow, extra: { position?: number; waitingReason?: WaitingReason } = {}) {
  return {
    taskId: row.taskId,
    accountId: row.accountId,
    type: row.type,
    payload: row.payload,
    status: row.status,
    ...extra,
    attempts: row.attempts,
    ...(row.dedupeKey ? { dedupeKey: row.dedupeKey } : {}),
    priority: row.priority,
    ...(row.runAfter ? { runAfter: iso(row.runAfter) } : {}),
    createdAt: row.createdAt.toISOString(),
    ...(row.startedAt ? { startedAt: iso(row.startedAt) } : {}),
    ...(row.finishedAt ? { finishedAt: iso(row.finishedAt) } : {}),
    ...(row.result !== null && row.result !== undefined ? { result: row.result } : {}),
    ...(row.error ? { error: row.error } : {}),
    ...(row.duplicateOf ? { duplicateOf: row.duplicateOf } : {}),
  };
}

export function accountView(row: AccountRow) {
  return {
    accountId: row.accountId,
    state: row.state,
    runningTaskId: row.runningTaskId,
    runningTaskType: row.runningTaskType,
    runningSince: iso(row.runningSince) ?? null,
    queueLength: row.queueLength,
    cooldownUntil: row.cooldownUntil && row.cooldownUntil > new Date() ? row.cooldownUntil.toISOString() : null,
    cooldownReason: row.cooldownReason,
    suspendedReason: row.suspendedReason,
    consecutiveRateLimits: row.consecutiveRateLimits,
    consecutiveFailures: row.consecutiveFailures,
    breaker: row.breaker,
    breakerHistory: row.breakerHistory ?? [],
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function getTaskRow(db: Db, taskId: string): Promise<TaskRow | undefined> {
  const rows = await db.select().from(tasks).where(eq(tasks.taskId, taskId));
  return rows[0];
}

export async function getAccountRow(db: Db, accountId: string): Promise<AccountRow | undefined> {
  const rows = await db.select().from(accountStates).where(eq(accountStates.accountId, accountId));
  return rows[0];
}

/** Queue order as the workflow keeps it: priority first, then the order it recorded them in. */
const queueOrder = [desc(tasks.priority), asc(tasks.seq)];

/** A task with its position and waiting reason while it is queued. */
export async function getTask(db: Db, taskId: string) {
  const row = await getTaskRow(db, taskId);
  if (!row) return undefined;
  if (row.status !== 'queued') return taskView(row);
  const [ahead] = await db
    .select({ n: count() })
    .from(tasks)
    .where(
      and(
        eq(tasks.accountId, row.accountId),
        eq(tasks.status, 'queued'),
        or(gt(tasks.priority, row.priority), and(eq(tasks.priority, row.priority), lt(tasks.seq, row.seq))),
      ),
    );
  const account = await getAccountRow(db, row.accountId);
  return taskView(row, { position: ahead?.n ?? 0, waitingReason: waitingReasonFor(account, row.runAfter) });
}

export interface ListTasksFilter {
  accountId?: string | undefined;
  status?: string | undefined;
  type?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Newest first, keyset-paged on (createdAt, taskId) so pages never skip or repeat a row. */
export async function listTasks(db: Db, f: ListTasksFilter) {
  const where: SQL[] = [];
  if (f.accountId) where.push(eq(tasks.accountId, f.accountId));
  if (f.status) where.push(eq(tasks.status, f.status));
  if (f.type) where.push(eq(tasks.type, f.type));
  if (f.cursor) {
    const [at, id] = decodeCursor(f.cursor, ['string', 'string']) as [string, string];
    const atDate = new Date(at);
    if (Number.isNaN(atDate.getTime())) throw new ApiError(400, 'invalid_cursor', 'the cursor is not one this API handed out');
    where.push(or(lt(tasks.createdAt, atDate), and(eq(tasks.createdAt, atDate), lt(tasks.taskId, id)))!);
  }
  const rows = await db
    .select()
    .from(tasks)
    .where(where.length ? and(...where) : undefined)
    // NULLS LAST as the indexes are built (a plain DESC means NULLS FIRST and would sort the whole table).
    .orderBy(sql`${tasks.createdAt} desc nulls last`, sql`${tasks.taskId} desc nulls last`)
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => taskView(r)),
    nextCursor: rows.length > f.limit && last ? encodeCursor([last.createdAt.toISOString(), last.taskId]) : null,
  };
}

export async function listAccounts(db: Db, f: { state?: string | undefined; limit: number; cursor?: string | undefined }) {
  const where: SQL[] = [];
  if (f.state) where.push(eq(accountStates.state, f.state));
  if (f.cursor) where.push(gt(accountStates.accountId, decodeCursor(f.cursor, ['string'])[0] as string));
  const rows = await db
    .select()
    .from(accountStates)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(accountStates.accountId))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(accountView),
    nextCursor: rows.length > f.limit && last ? encodeCursor([last.accountId]) : null,
  };
}

/** Every queued task grouped by account, in queue order, with positions and reasons. */
export async function waitingTasks(db: Db, limit: number) {
  const rows = await db
    .select({
      taskId: tasks.taskId,
      accountId: tasks.accountId,
      type: tasks.type,
      priority: tasks.priority,
      runAfter: tasks.runAfter,
      createdAt: tasks.createdAt,
    })
    .from(tasks)
    .where(eq(tasks.status, 'queued'))
    .orderBy(asc(tasks.accountId), ...queueOrder)
    .limit(limit);
  const [total] = await db.select({ n: count() }).from(tasks).where(eq(tasks.status, 'queued'));
  const accountIds = [...new Set(rows.map((r) => r.accountId))];
  const accounts = accountIds.length
    ? await db.select().from(accountStates).where(inArray(accountStates.accountId, accountIds))
    : [];
  const byId = new Map(accounts.map((a) => [a.accountId, a]));
  const byAccount: Record<string, { taskId: string; type: string; position: number; waitingReason: WaitingReason; enqueuedAt: string; priority: number }[]> = {};
  const now = new Date();
  for (const r of rows) {
    const list = (byAccount[r.accountId] ??= []);
    list.push({
      taskId: r.taskId,
      type: r.type,
      position: list.length,
      waitingReason: waitingReasonFor(byId.get(r.accountId), r.runAfter, now),
      enqueuedAt: r.createdAt.toISOString(),
      priority: r.priority,
    });
  }
  return { total: total?.n ?? 0, truncated: (total?.n ?? 0) > rows.length, byAccount };
}

export async function concurrencyMetrics(db: Db) {
  const [row] = await db
    .select({
      total: count(),
      running: sql<number>`count(*) filter (where ${accountStates.runningTaskId} is not null)`.mapWith(Number),
      waiting: sql<number>`count(*) filter (where ${accountStates.queueLength} > 0)`.mapWith(Number),
      cooldown: sql<number>`count(*) filter (where ${accountStates.state} = 'COOLDOWN' and ${accountStates.cooldownUntil} > now())`.mapWith(Number),
      suspended: sql<number>`count(*) filter (where ${accountStates.state} = 'SUSPENDED')`.mapWith(Number),
      queued: sql<number>`coalesce(sum(${accountStates.queueLength}), 0)`.mapWith(Number),
      blocks: sql<number>`coalesce(sum(${accountStates.queueLength}) filter (where ${accountStates.runningTaskId} is not null), 0)`.mapWith(Number),
    })
    .from(accountStates);
  return {
    totalAccountsTracked: row?.total ?? 0,
    accountsRunning: row?.running ?? 0,
    accountsWaiting: row?.waiting ?? 0,
    accountsCooldown: row?.cooldown ?? 0,
    accountsSuspended: row?.suspended ?? 0,
    totalTasksQueuedWaiting: row?.queued ?? 0,
    /** Queued tasks held back only because their account already runs one: the rule at work. */
    totalConcurrencyBlocks: row?.blocks ?? 0,
    tasksRunning: row?.running ?? 0,
  };
}
