/**
 * The intake's one transaction: a submission (or a whole batch) is acknowledged only once its task rows and
 * their `queued` events are committed in the ledger. Everything the ledger would refuse later is refused
 * here, before any 2xx: a task id another account owns, a reused Idempotency-Key, a full queue, a live
 * dedupe key. The relay (./relay.ts) then hands the rows to their account workflows.
 *
 * Guarantee: submissions to one account are serialised by a transaction-scoped advisory lock on the
 * account, taken in account order (no deadlock between two batches). So within an account the checks see every earlier
 * acknowledged task, and `seq` order is acknowledgement order, which is the order the relay delivers in.
 * The partial unique index on live dedupe keys backs the check up; both use one predicate (`holdsDedupeKey`), and
 * a release (../dedupe-keys.ts) takes the same advisory lock.
 */
import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client';
import { accountSettings, accountStates, holdsDedupeKey, taskEvents, tasks } from '../../db/schema';
import type { TaskSpec } from '../../workflows/types';
import { ApiError } from '../http/errors';
import { countDedupeRefusal } from './refusal-counts';
import { INTAKE_LOCK_SPACE } from '../../db/advisory-locks';

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
      const results = await db.transaction((tx) => storeInTransaction(tx, items, defaultMaxQueued, options.refuseWholeOnReuse ?? true));
      // Counted once the answers are final (a transaction retried after a deadlock decides again).
      for (const r of results) {
        if (r.kind === 'refused' && (r.error.code === 'already_running' || r.error.code === 'already_queued')) countDedupeRefusal(r.error.code);
      }
      return results;
    } catch (err) {
      // Two batches naming each other's task ids can deadlock on the primary key; Postgres aborts one.
      if (attempt < 3 && (err as { code?: string }).code === '40P01') continue;
      throw err;
    }
  }
}

async function storeInTransaction(tx: Tx, items: IntakeItem[], defaultMaxQueued: number, refuseWholeOnReuse: boolean): Promise<IntakeResult[]> {
  const accountIds = [...new Set(items.map((i) => i.accountId))].sort();
  // Three statements in all: lock, read, write (the round trips are what a submission costs).
  await lockAccounts(tx, accountIds);
  const { room, holders, existing } = await readFacts(tx, accountIds, items, defaultMaxQueued);

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
    const now = (await readFacts(tx, [], raced.map((r) => r.item), 0)).existing;
    for (const r of raced) {
      const known = now.get(r.item.spec.taskId);
      results[r.index] = known ? knownTask(r.item, known) : { kind: 'refused', error: new ApiError(409, 'task_id_taken', `task id ${r.item.spec.taskId} is taken`) };
    }
  }
  return results as IntakeResult[];
}

/** A list as one JSON parameter: the same statement on node-postgres and PGlite, of any length. */
const jsonList = (values: unknown[]) => sql`${JSON.stringify(values)}::jsonb`;

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/**
 * Serialises the intake per account, in account order (so two batches never deadlock). An advisory lock,
 * not the account's row: workers write that row all the time, and a submission must not wait for them.
 */
export async function lockAccounts(tx: Tx, accountIds: string[]): Promise<void> {
  await tx.execute(sql`
    SELECT count(pg_advisory_xact_lock(${INTAKE_LOCK_SPACE}::int, hashtext(id)))
    FROM (SELECT id FROM jsonb_array_elements_text(${jsonList(accountIds)}) AS ids(id) ORDER BY id) AS sorted`);
}

type ExistingTask = { accountId: string; status: string; requestHash: string | null };

interface Facts {
  /** How many more tasks each account's queue takes now. */
  room: Map<string, { free: number; limit: number }>;
  /** The live holder of each (account, dedupe key) the items name. */
  holders: Map<string, { taskId: string; status: string }>;
  /** The items' task ids that exist already. */
  existing: Map<string, ExistingTask>;
}

/** Everything the checks need, in one statement: queue lengths, queue limits, dedupe holders, known ids. */
async function readFacts(tx: Tx, accountIds: string[], items: IntakeItem[], defaultMax: number): Promise<Facts> {
  const accounts = jsonList(accountIds);
  const keys = jsonList([...new Set(items.flatMap((i) => (i.spec.dedupeKey === undefined ? [] : [i.spec.dedupeKey])))]);
  const ids = jsonList(items.map((i) => i.spec.taskId));
  const rows = rowsOf<{ kind: string; account_id: string; task_id: string | null; status: string | null; text: string | null; n: number | null }>(await tx.execute(sql`
    SELECT 'queued' AS kind, account_id, NULL::text AS task_id, NULL::text AS status, NULL::text AS text, count(*)::int AS n
      FROM ${tasks} WHERE account_id IN (SELECT jsonb_array_elements_text(${accounts})) AND status = 'queued' GROUP BY account_id
    UNION ALL
    SELECT 'limit', account_id, NULL, NULL, NULL, (overrides ->> 'maxQueuedPerAccount')::int
      FROM ${accountSettings} WHERE account_id IN (SELECT jsonb_array_elements_text(${accounts})) AND overrides ->> 'maxQueuedPerAccount' IS NOT NULL
    UNION ALL
    SELECT 'holder', account_id, task_id, status, dedupe_key, NULL
      FROM ${tasks} WHERE account_id IN (SELECT jsonb_array_elements_text(${accounts}))
        AND dedupe_key IN (SELECT jsonb_array_elements_text(${keys})) AND ${holdsDedupeKey}
    UNION ALL
    SELECT 'task', account_id, task_id, status, request_hash, NULL
      FROM ${tasks} WHERE task_id IN (SELECT jsonb_array_elements_text(${ids}))`));
  const queued = new Map<string, number>();
  const limits = new Map<string, number>();
  const facts: Facts = { room: new Map(), holders: new Map(), existing: new Map() };
  for (const r of rows) {
    if (r.kind === 'queued') queued.set(r.account_id, Number(r.n));
    else if (r.kind === 'limit') limits.set(r.account_id, Number(r.n));
    else if (r.kind === 'holder') facts.holders.set(dedupeSlot(r.account_id, r.text!), { taskId: r.task_id!, status: r.status! });
    else facts.existing.set(r.task_id!, { accountId: r.account_id, status: r.status!, requestHash: r.text });
  }
  for (const id of accountIds) {
    const limit = limits.get(id) ?? defaultMax;
    facts.room.set(id, { free: limit - (queued.get(id) ?? 0), limit });
  }
  return facts;
}

const dedupeSlot = (accountId: string, key: string) => `${accountId}\n${key}`;

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

/**
 * One statement: the task rows in order (so `seq` follows acknowledgement order), their `queued` events,
 * and a row for each new account. Returns the ids inserted.
 */
async function insertTasks(tx: Tx, items: IntakeItem[]): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const rows = jsonList(items.map(({ accountId, spec, requestHash }) => ({
    task_id: spec.taskId,
    account_id: accountId,
    type: spec.type,
    payload: spec.payload ?? {},
    dedupe_key: spec.dedupeKey ?? null,
    priority: spec.priority ?? 0,
    run_after: spec.runAfterMs === undefined ? null : new Date(spec.runAfterMs).toISOString(),
    created_at: new Date(spec.submittedAtMs).toISOString(),
    request_hash: requestHash ?? null,
  })));
  const inserted = rowsOf<{ task_id: string }>(await tx.execute(sql`
    WITH given AS (
      SELECT x.*, n FROM jsonb_array_elements(${rows}) WITH ORDINALITY AS e(item, n),
        jsonb_to_record(e.item) AS x(task_id text, account_id text, type text, payload jsonb, dedupe_key text,
                                     priority int, run_after timestamptz, created_at timestamptz, request_hash text)
    ), stored AS (
      INSERT INTO ${tasks} (task_id, account_id, type, payload, status, dedupe_key, priority, run_after, created_at, request_hash)
      SELECT task_id, account_id, type, payload, 'queued', dedupe_key, priority, run_after, created_at, request_hash FROM given ORDER BY n
      ON CONFLICT DO NOTHING
      RETURNING task_id, account_id, created_at
    ), events AS (
      INSERT INTO ${taskEvents} (task_id, account_id, type, at) SELECT task_id, account_id, 'queued', created_at FROM stored
    ), accounts AS (
      -- A new account is listed at once; its workflow's projection fills the row in (and never waits for us).
      INSERT INTO ${accountStates} (account_id, state) SELECT DISTINCT account_id, 'AVAILABLE' FROM stored ON CONFLICT DO NOTHING
    )
    SELECT task_id FROM stored`));
  return new Set(inserted.map((r) => r.task_id));
}
