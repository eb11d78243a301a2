/**
 * Reads for cross-account answers. They come from the Postgres projections the activities write, never
 * from querying every workflow.
 */
import { and, asc, count, desc, eq, gt, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { accountStates, tasks } from '../db/schema';
import type { WaitingReason } from '../workflows/types';
import { ApiError } from './errors';
import { queuedPlaces, waitingReasonFor, type QueuedPlace } from './queued-places';

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

export function taskView(row: TaskRow, extra: QueuedPlace | Record<string, never> = {}) {
  return {
    taskId: row.taskId,
    accountId: row.accountId,
    type: row.type,
    payload: row.payload,
    status: row.status,
    ...extra,
    attempts: row.attempts,
    ...(row.dedupeKey ? { dedupeKey: row.dedupeKey } : {}),
    ...(row.dedupeReleasedAt ? { dedupeReleasedAt: iso(row.dedupeReleasedAt) } : {}),
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

/** A task with its position, waiting reason and expected start while it is queued. */
export async function getTask(db: Db, taskId: string) {
  const row = await getTaskRow(db, taskId);
  if (!row) return undefined;
  if (row.status !== 'queued') return taskView(row);
  const places = await queuedPlaces(db, [row]);
  return taskView(row, places.get(row.taskId) ?? {});
}

export interface ListTasksFilter {
  accountId?: string | undefined;
  status?: string | undefined;
  type?: string | undefined;
  /** Queued tasks waiting for this reason only (implies status `queued`). */
  waitingReason?: WaitingReason | undefined;
  /** `newest` first (the default) or `oldest` first. */
  order?: 'newest' | 'oldest' | undefined;
  limit: number;
  cursor?: string | undefined;
}

/**
 * A filter by waiting reason is applied to the rows as read (the reason comes from one function,
 * `waitingReasonFor`, not from a second copy of it in SQL), so a page reads at most this many batches of
 * `limit` rows: a rare reason may give a page shorter than `limit`, whose `nextCursor` goes on from there.
 */
const REASON_SCAN_BATCHES = 10;

/**
 * Keyset-paged on (createdAt, taskId) so pages never skip or repeat a row; newest first unless `oldest`.
 * Queued tasks carry their position, waiting reason and expected start.
 */
export async function listTasks(db: Db, f: ListTasksFilter) {
  const oldest = f.order === 'oldest';
  if (f.waitingReason && f.status && f.status !== 'queued') {
    throw new ApiError(400, 'validation_error', 'waitingReason applies to queued tasks only: leave status out or make it queued');
  }
  const where: SQL[] = [];
  if (f.accountId) where.push(eq(tasks.accountId, f.accountId));
  const status = f.waitingReason ? 'queued' : f.status;
  if (status) where.push(eq(tasks.status, status));
  if (f.type) where.push(eq(tasks.type, f.type));
  let after: { at: Date; id: string } | null = null;
  if (f.cursor) {
    const parts = decodeCursor(f.cursor, oldest ? ['string', 'string', 'string'] : ['string', 'string']) as string[];
    const at = new Date(parts[0]!);
    if (Number.isNaN(at.getTime()) || (oldest && parts[2] !== 'oldest')) throw new ApiError(400, 'invalid_cursor', 'the cursor is not one this API handed out');
    after = { at, id: parts[1]! };
  }
  const items: ReturnType<typeof taskView>[] = [];
  let last: TaskRow | null = null;
  let more = false;
  for (let batch = 0; batch < (f.waitingReason ? REASON_SCAN_BATCHES : 1) && items.length < f.limit; batch++) {
    const keyset = after
      ? oldest
        ? or(gt(tasks.createdAt, after.at), and(eq(tasks.createdAt, after.at), gt(tasks.taskId, after.id)))!
        : or(lt(tasks.createdAt, after.at), and(eq(tasks.createdAt, after.at), lt(tasks.taskId, after.id)))!
      : undefined;
    const conditions = keyset ? [...where, keyset] : where;
    const rows = await db
      .select()
      .from(tasks)
      .where(conditions.length ? and(...conditions) : undefined)
      // Ordered as the indexes are built (DESC NULLS LAST, read backwards for oldest first): a plain DESC
      // means NULLS FIRST and would sort the whole table.
      .orderBy(...(oldest
        ? [sql`${tasks.createdAt} asc nulls first`, sql`${tasks.taskId} asc nulls first`]
        : [sql`${tasks.createdAt} desc nulls last`, sql`${tasks.taskId} desc nulls last`]))
      .limit(f.limit + 1);
    const places = await queuedPlaces(db, rows);
    let consumed = 0;
    for (const row of rows) {
      if (items.length === f.limit) break;
      consumed += 1;
      last = row;
      const place = places.get(row.taskId);
      if (f.waitingReason && place?.waitingReason !== f.waitingReason) continue;
      items.push(taskView(row, place ?? {}));
    }
    more = consumed < rows.length || rows.length > f.limit;
    if (!more || !last) break;
    after = { at: last.createdAt, id: last.taskId };
  }
  const cursorOf = (row: TaskRow) => encodeCursor(oldest ? [row.createdAt.toISOString(), row.taskId, 'oldest'] : [row.createdAt.toISOString(), row.taskId]);
  return { items, nextCursor: more && last ? cursorOf(last) : null };
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
  // Counted over the partial index on the flag (see migration 0007 for when a task gets it).
  const [waited] = await db.select({ n: count() }).from(tasks).where(sql`waited_for_account`);
  return {
    totalAccountsTracked: row?.total ?? 0,
    accountsRunning: row?.running ?? 0,
    accountsWaiting: row?.waiting ?? 0,
    accountsCooldown: row?.cooldown ?? 0,
    accountsSuspended: row?.suspended ?? 0,
    totalTasksQueuedWaiting: row?.queued ?? 0,
    /**
     * Tasks in the ledger that had to wait for another task of their account: when they started, the
     * account's previous task to start had not finished by the time they were acknowledged. A running
     * total kept in the ledger (restarts do not reset it; deleting old tasks removes theirs).
     */
    totalConcurrencyBlocks: waited?.n ?? 0,
    /** Queued tasks held back right now because their account runs one: the rule at work. */
    currentConcurrencyBlocks: row?.blocks ?? 0,
    tasksRunning: row?.running ?? 0,
  };
}
