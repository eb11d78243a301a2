/**
 * The intake's one transaction: a submission (or a whole batch) is acknowledged only once its task rows and
 * their `queued` events are committed in the ledger. Everything the ledger would refuse later is refused
 * here, before any 2xx: a task id another account owns, a reused Idempotency-Key, a full queue, a live
 * dedupe key. The relay (./relay.ts) then hands the rows to their account workflows.
 *
 * Guarantee: submissions to one account are serialised by a lock on its `account_states` row, taken in
 * account order (no deadlock between two batches). So within an account the checks see every earlier
 * acknowledged task, and `seq` order is acknowledgement order, which is the order the relay delivers in.
 * The partial unique index on live dedupe keys backs the check up.
 */
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { accountSettings, accountStates, taskEvents, tasks } from '../../db/schema';
import type { TaskSpec } from '../../workflows/types';
import { ApiError } from '../errors';

export interface IntakeItem {
  accountId: string;
  spec: TaskSpec;
  /** Fingerprint of the request under an Idempotency-Key: a retry with another body is refused. */
  requestHash?: string;
}

export type IntakeResult =
  | { kind: 'queued'; taskId: string; accountId: string }
  /** An earlier request already created this task (a retry): its current status. */
  | { kind: 'known'; taskId: string; accountId: string; status: string }
  | { kind: 'refused'; error: ApiError };

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

const LIVE = ['queued', 'running'];

export interface StoreOptions {
  /**
   * One request's items under one Idempotency-Key: a reuse with another body refuses the whole request
   * (422) and stores nothing. Off when one transaction serves several requests (group commit). (Default: true)
   */
  refuseWholeOnReuse?: boolean;
}

/** Stores what may be stored; answers each item in order. `defaultMaxQueued` applies unless an account overrides it. */
export async function storeSubmissions(db: Db, items: IntakeItem[], defaultMaxQueued: number, options: StoreOptions = {}): Promise<IntakeResult[]> {
  if (items.length === 0) return [];
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((tx) => storeInTransaction(tx, items, defaultMaxQueued, options.refuseWholeOnReuse ?? true));
    } catch (err) {
      // Two batches naming each other's task ids can deadlock on the primary key; Postgres aborts one.
      if (attempt < 3 && (err as { code?: string }).code === '40P01') continue;
      throw err;
    }
  }
}

async function storeInTransaction(tx: Tx, items: IntakeItem[], defaultMaxQueued: number, refuseWholeOnReuse: boolean): Promise<IntakeResult[]> {
  const accountIds = [...new Set(items.map((i) => i.accountId))].sort();
  await lockAccounts(tx, accountIds);
  // One after the other: a transaction is one connection.
  const room = await queueRoom(tx, accountIds, defaultMaxQueued);
  const holders = await liveDedupeHolders(tx, items);
  const existing = await existingTasks(tx, items.map((i) => i.spec.taskId));

  const results: (IntakeResult | null)[] = items.map(() => null);
  const accepted: { index: number; item: IntakeItem }[] = [];
  items.forEach((item, index) => {
    const { accountId, spec } = item;
    const known = existing.get(spec.taskId);
    if (known) {
      results[index] = knownTask(item, known);
      return;
    }
    if (spec.dedupeKey !== undefined) {
      const holder = holders.get(dedupeSlot(accountId, spec.dedupeKey));
      if (holder) {
        results[index] = { kind: 'refused', error: dedupeConflict(spec.dedupeKey, holder) };
        return;
      }
    }
    const left = room.get(accountId)!;
    if (left.free <= 0) {
      results[index] = { kind: 'refused', error: queueFull(accountId, left.limit) };
      return;
    }
    left.free -= 1;
    if (spec.dedupeKey !== undefined) holders.set(dedupeSlot(accountId, spec.dedupeKey), { taskId: spec.taskId, status: 'queued' });
    accepted.push({ index, item });
  });
  // A retry under an Idempotency-Key must be the same request as a whole: a batch that differs stores nothing.
  const reused = results.find((r) => r?.kind === 'refused' && r.error.code === 'idempotency_key_reused');
  if (refuseWholeOnReuse && reused?.kind === 'refused') throw reused.error;

  const inserted = await insertTasks(tx, accepted.map((a) => a.item));
  const raced: { index: number; item: IntakeItem }[] = [];
  for (const a of accepted) {
    if (inserted.has(a.item.spec.taskId)) results[a.index] = { kind: 'queued', taskId: a.item.spec.taskId, accountId: a.item.accountId };
    else raced.push(a);
  }
  if (raced.length) {
    // Another account's submission took the same task id between our read and our insert.
    const now = await existingTasks(tx, raced.map((r) => r.item.spec.taskId));
    for (const r of raced) {
      const known = now.get(r.item.spec.taskId);
      results[r.index] = known ? knownTask(r.item, known) : { kind: 'refused', error: new ApiError(409, 'task_id_taken', `task id ${r.item.spec.taskId} is taken`) };
    }
  }
  await recordQueued(tx, items.filter((i) => inserted.has(i.spec.taskId)));
  return results as IntakeResult[];
}

/** Creates missing account rows and locks them all, in account order. */
async function lockAccounts(tx: Tx, accountIds: string[]): Promise<void> {
  await tx
    .insert(accountStates)
    .values(accountIds.map((accountId) => ({ accountId, state: 'AVAILABLE' })))
    .onConflictDoNothing();
  await tx
    .select({ accountId: accountStates.accountId })
    .from(accountStates)
    .where(inArray(accountStates.accountId, accountIds))
    .orderBy(accountStates.accountId)
    .for('update');
}

/** How many more tasks each account's queue takes now. */
async function queueRoom(tx: Tx, accountIds: string[], defaultMax: number): Promise<Map<string, { free: number; limit: number }>> {
  const queued = await tx
    .select({ accountId: tasks.accountId, n: count() })
    .from(tasks)
    .where(and(inArray(tasks.accountId, accountIds), eq(tasks.status, 'queued')))
    .groupBy(tasks.accountId);
  const overrides = await tx
    .select({ accountId: accountSettings.accountId, limit: sql<number | null>`(${accountSettings.overrides} ->> 'maxQueuedPerAccount')::int` })
    .from(accountSettings)
    .where(inArray(accountSettings.accountId, accountIds));
  const queuedBy = new Map(queued.map((r) => [r.accountId, Number(r.n)]));
  const limitBy = new Map(overrides.filter((r) => r.limit !== null).map((r) => [r.accountId, Number(r.limit)]));
  return new Map(accountIds.map((id) => {
    const limit = limitBy.get(id) ?? defaultMax;
    return [id, { free: limit - (queuedBy.get(id) ?? 0), limit }];
  }));
}

const dedupeSlot = (accountId: string, key: string) => `${accountId}\n${key}`;

async function liveDedupeHolders(tx: Tx, items: IntakeItem[]): Promise<Map<string, { taskId: string; status: string }>> {
  const keyed = items.filter((i) => i.spec.dedupeKey !== undefined);
  if (keyed.length === 0) return new Map();
  const rows = await tx
    .select({ accountId: tasks.accountId, dedupeKey: tasks.dedupeKey, taskId: tasks.taskId, status: tasks.status })
    .from(tasks)
    .where(
      and(
        inArray(tasks.accountId, [...new Set(keyed.map((i) => i.accountId))]),
        inArray(tasks.dedupeKey, [...new Set(keyed.map((i) => i.spec.dedupeKey!))]),
        inArray(tasks.status, LIVE),
      ),
    );
  return new Map(rows.map((r) => [dedupeSlot(r.accountId, r.dedupeKey!), { taskId: r.taskId, status: r.status }]));
}

type ExistingTask = { accountId: string; status: string; requestHash: string | null };

async function existingTasks(tx: Tx, taskIds: string[]): Promise<Map<string, ExistingTask>> {
  const rows = await tx
    .select({ taskId: tasks.taskId, accountId: tasks.accountId, status: tasks.status, requestHash: tasks.requestHash })
    .from(tasks)
    .where(inArray(tasks.taskId, taskIds));
  return new Map(rows.map((r) => [r.taskId, r]));
}

function knownTask(item: IntakeItem, known: ExistingTask): IntakeResult {
  const { accountId, spec } = item;
  if (known.accountId !== accountId) {
    return { kind: 'refused', error: new ApiError(409, 'task_id_taken', `task id ${spec.taskId} belongs to another account`, { taskId: spec.taskId }) };
  }
  if (item.requestHash !== undefined && known.requestHash !== null && known.requestHash !== item.requestHash) {
    return {
      kind: 'refused',
      error: new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request', { taskId: spec.taskId }),
    };
  }
  return { kind: 'known', taskId: spec.taskId, accountId, status: known.status };
}

function dedupeConflict(key: string, holder: { taskId: string; status: string }): ApiError {
  const code = holder.status === 'running' ? 'already_running' : 'already_queued';
  return new ApiError(409, code, `a task with dedupeKey ${JSON.stringify(key)} is ${holder.status}`, { taskId: holder.taskId });
}

function queueFull(accountId: string, limit: number): ApiError {
  return new ApiError(429, 'queue_full', `account ${accountId} already has ${limit} queued tasks (the limit)`, { limit }, { 'Retry-After': '5' });
}

/** Inserts in order (so `seq` follows acknowledgement order); returns the ids actually inserted. */
async function insertTasks(tx: Tx, items: IntakeItem[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  // 1,000 rows a statement keeps within Postgres' 65,535 parameters.
  for (let i = 0; i < items.length; i += 1000) {
    const rows = await tx
      .insert(tasks)
      .values(items.slice(i, i + 1000).map(({ accountId, spec, requestHash }) => ({
        taskId: spec.taskId,
        accountId,
        type: spec.type,
        payload: spec.payload ?? {},
        status: 'queued',
        dedupeKey: spec.dedupeKey ?? null,
        priority: spec.priority ?? 0,
        runAfter: spec.runAfterMs === undefined ? null : new Date(spec.runAfterMs),
        createdAt: new Date(spec.submittedAtMs),
        requestHash: requestHash ?? null,
      })))
      .onConflictDoNothing()
      .returning({ taskId: tasks.taskId });
    for (const r of rows) inserted.add(r.taskId);
  }
  return inserted;
}

/** The `queued` events, and each account's stored queue length, until its workflow writes its own. */
async function recordQueued(tx: Tx, items: IntakeItem[]): Promise<void> {
  if (items.length === 0) return;
  for (let i = 0; i < items.length; i += 1000) {
    await tx.insert(taskEvents).values(items.slice(i, i + 1000).map(({ accountId, spec }) => ({
      taskId: spec.taskId, accountId, type: 'queued', at: new Date(spec.submittedAtMs),
    })));
  }
  const added = new Map<string, number>();
  for (const { accountId } of items) added.set(accountId, (added.get(accountId) ?? 0) + 1);
  const values = sql.join([...added].map(([id, n]) => sql`(${id}, ${n}::int)`), sql`, `);
  await tx.execute(sql`
    UPDATE ${accountStates} AS a SET queue_length = a.queue_length + v.n
    FROM (VALUES ${values}) AS v(id, n) WHERE a.account_id = v.id`);
}
