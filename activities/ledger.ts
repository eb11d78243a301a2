/**
 * Ledger writes: the task rows, their events and the account projection. Every write that concerns a
 * running attempt carries its lease (fencing token, activity attempt) and is refused when a newer attempt
 * holds the task, so a stale attempt cannot overwrite what a newer one recorded.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Tx, Writer } from '../db/client';
import { accountErrors, accountStates, taskEvents, tasks } from '../db/schema';
import { claimableBy, heldBy, holdsLease, type Lease } from './ledger/lease';
import { isDataRefusal, refusalMessage, storableError, storableText } from './ledger-refusals';
import type { AccountView, RecordAccountInput, RecordAccountResult, RunMemberFact, TaskOutcome, TaskRecord, TaskSpec } from '../workflows/types';

export type { Lease } from './ledger/lease';

const LIVE = ['queued', 'running'];

function taskRow(spec: TaskSpec, accountId: string, status: string) {
  return {
    taskId: spec.taskId,
    accountId,
    type: spec.type,
    payload: spec.payload ?? null,
    status,
    dedupeKey: spec.dedupeKey ?? null,
    priority: spec.priority ?? 0,
    runAfter: spec.runAfterMs === undefined ? null : new Date(spec.runAfterMs),
    createdAt: new Date(spec.submittedAtMs),
  };
}

/** Writes one fact; returns the task id when a `cancel_requested` record found its task running. */
async function writeRecord(tx: Writer, accountId: string, r: Exclude<TaskRecord, { kind: 'queued' }>): Promise<string | null> {
  const now = new Date();
  switch (r.kind) {
    case 'deduplicated':
    case 'rejected': {
      const status = r.kind === 'deduplicated' ? 'deduplicated' : 'failed';
      const error = r.kind === 'deduplicated'
        ? { code: r.code, message: `dedupeKey ${JSON.stringify(r.task.dedupeKey)} belongs to live task ${r.existingTaskId}` }
        : { code: r.code, message: r.message };
      const inserted = await tx
        .insert(tasks)
        .values({
          ...taskRow(r.task, accountId, status),
          finishedAt: now,
          error,
          duplicateOf: r.kind === 'deduplicated' ? r.existingTaskId : null,
        })
        .onConflictDoNothing()
        .returning({ taskId: tasks.taskId });
      if (inserted.length) await tx.insert(taskEvents).values({ taskId: r.task.taskId, accountId, type: status, data: { error } });
      return null;
    }
    case 'cancelled':
    case 'failed': {
      const error = storableError(r.kind === 'failed' ? r.error : { code: 'cancelled', message: r.reason });
      const updated = await tx
        .update(tasks)
        .set({ status: r.kind, finishedAt: now, error, updatedAt: now })
        .where(and(eq(tasks.taskId, r.taskId), inArray(tasks.status, LIVE)))
        .returning({ taskId: tasks.taskId });
      if (updated.length) await tx.insert(taskEvents).values({ taskId: r.taskId, accountId, type: r.kind, data: { error } });
      return null;
    }
    case 'cancel_requested': {
      // Still queued: the run has not reached it and now never will (its claim needs `queued`).
      const error = storableError({ code: 'cancelled', message: r.reason });
      const cancelled = await tx
        .update(tasks)
        .set({ status: 'cancelled', finishedAt: now, error, updatedAt: now })
        .where(and(eq(tasks.taskId, r.taskId), eq(tasks.status, 'queued')))
        .returning({ taskId: tasks.taskId });
      if (cancelled.length) {
        await tx.insert(taskEvents).values({ taskId: r.taskId, accountId, type: 'cancelled', data: { error } });
        return null;
      }
      // Running: the attempt reads the mark when Temporal cancels the run, and records `cancelled` itself.
      const marked = await tx
        .update(tasks)
        .set({ cancelRequestedAt: now, updatedAt: now })
        .where(and(eq(tasks.taskId, r.taskId), eq(tasks.status, 'running')))
        .returning({ taskId: tasks.taskId });
      return marked.length ? r.taskId : null;
    }
  }
}

/** Queued facts in order (their rows take `seq` in this order); an id already known is left as it is. */
async function writeQueued(tx: Writer, accountId: string, records: Extract<TaskRecord, { kind: 'queued' }>[]): Promise<void> {
  const inserted = await tx
    .insert(tasks)
    .values(records.map((r) => taskRow(r.task, accountId, 'queued')))
    .onConflictDoNothing()
    .returning({ taskId: tasks.taskId });
  if (!inserted.length) return;
  const fresh = new Set(inserted.map((r) => r.taskId));
  await tx.insert(taskEvents).values(
    records.filter((r) => fresh.has(r.task.taskId)).map((r) => ({ taskId: r.task.taskId, accountId, type: 'queued', at: new Date(r.enqueuedAtMs) })),
  );
}

/** Upserts the account projection unless a newer version is already stored. */
export async function writeProjection(tx: Writer, v: AccountView, lease?: Lease): Promise<void> {
  const row = {
    accountId: v.accountId,
    state: v.state,
    runningTaskId: v.runningTaskId,
    runningTaskType: v.runningTaskType,
    runningSince: v.runningSince ? new Date(v.runningSince) : null,
    queueLength: v.queueLength,
    cooldownUntil: v.cooldownUntil ? new Date(v.cooldownUntil) : null,
    cooldownReason: storableText(v.cooldownReason),
    suspendedReason: storableText(v.suspendedReason),
    consecutiveRateLimits: v.consecutiveRateLimits,
    consecutiveFailures: v.consecutiveFailures,
    breaker: v.breaker,
    breakerHistory: v.breakerHistory.map((e) => ({ ...e, reason: storableText(e.reason) })),
    version: v.version,
    updatedAt: new Date(),
    ...(lease ? { leaseToken: lease.fencingToken, leaseAttempt: lease.activityAttempt } : {}),
  };
  const { accountId: _id, ...set } = row;
  await tx
    .insert(accountStates)
    .values(row)
    .onConflictDoUpdate({
      target: accountStates.accountId,
      set,
      // Versions only grow (a new run starts above the last one), so an older write never wins.
      setWhere: sql`${accountStates.version} < ${v.version}`,
    });
}

/** Raises the account's run fence: no member of a run at or below it is claimed from now on. */
export async function raiseRunFence(tx: Writer, accountId: string, fence: number): Promise<void> {
  await tx
    .update(accountStates)
    .set({ runFence: sql`greatest(coalesce(${accountStates.runFence}, 0), ${fence}::bigint)` })
    .where(eq(accountStates.accountId, accountId));
}

export async function recordAccount(db: Db, input: RecordAccountInput, onRefused?: (err: unknown, what: string) => void): Promise<RecordAccountResult> {
  try {
    return await db.transaction((tx) => writeFacts(tx, input));
  } catch (err) {
    if (!isDataRefusal(err)) throw err; // a lost connection: the local activity tries again
    // One fact the ledger refuses must not hold back the others (the workflow would retry forever).
    onRefused?.(err, 'the account facts, written one by one');
    return recordOneByOne(db, input, onRefused);
  }
}

async function writeFacts(tx: Tx, input: RecordAccountInput): Promise<RecordAccountResult> {
  // The fence first: once this commits, a run claims no further member, so a cancel below that finds its
  // task running knows that task is the run's last.
  if (input.runFence !== undefined) await raiseRunFence(tx, input.accountId, input.runFence);
  const runningCancelRequested: string[] = [];
  const records = input.records;
  for (let i = 0; i < records.length; ) {
    // A batch submission arrives as many queued facts in a row: two statements for up to 1,000 of them
    // (Postgres takes 65,535 parameters at most).
    let j = i;
    while (j < records.length && j - i < 1000 && records[j]!.kind === 'queued') j += 1;
    if (j > i) {
      await writeQueued(tx, input.accountId, records.slice(i, j) as Extract<TaskRecord, { kind: 'queued' }>[]);
      i = j;
      continue;
    }
    const running = await writeRecord(tx, input.accountId, records[i] as Exclude<TaskRecord, { kind: 'queued' }>);
    if (running) runningCancelRequested.push(running);
    i += 1;
  }
  if (input.projection) await writeProjection(tx, input.projection);
  return { runningCancelRequested };
}

/** Each fact in its own transaction; a refused task fact becomes that task's `failed` (ledger_refused). */
async function recordOneByOne(db: Db, input: RecordAccountInput, onRefused?: (err: unknown, what: string) => void): Promise<RecordAccountResult> {
  const runningCancelRequested: string[] = [];
  const { accountId } = input;
  if (input.runFence !== undefined) await raiseRunFence(db, accountId, input.runFence);
  for (const record of input.records) {
    try {
      const r = await db.transaction((tx) => writeFacts(tx, { accountId, records: [record], projection: null }));
      runningCancelRequested.push(...r.runningCancelRequested);
    } catch (err) {
      if (!isDataRefusal(err)) throw err;
      const taskId = record.kind === 'queued' || record.kind === 'deduplicated' || record.kind === 'rejected' ? record.task.taskId : record.taskId;
      onRefused?.(err, `the ${record.kind} fact of task ${taskId}`);
      const error = { code: 'ledger_refused', message: refusalMessage(err, `the ${record.kind} fact of this task`) };
      await writeFacts(db as unknown as Tx, { accountId, records: [{ kind: 'failed', taskId, fencingToken: 0, error }], projection: null });
    }
  }
  if (input.projection) {
    // The projection is rewritten with the account's next change; a refused one is only logged.
    await writeProjection(db, input.projection).catch((err: unknown) => {
      if (!isDataRefusal(err)) throw err;
      onRefused?.(err, 'the account projection');
    });
  }
  return { runningCancelRequested };
}

export type StartResult =
  /** `payload`: the task's, from its row (the workflow never carries payloads of tasks the ledger took in). */
  | { kind: 'started'; attempts: number; payload: unknown }
  /** The task is over already; `fencingToken` says whose attempt ended it. */
  | { kind: 'finished'; outcome: TaskOutcome; fencingToken: number | null }
  | { kind: 'stale' }
  | { kind: 'missing' };

/**
 * How a run's member after the first may be claimed. `first`: not started by this run before, so the
 * account's run fence must be below its token. `again`: only a task this run already started (a retry of
 * the run resumes its member, and starts no new one).
 */
export type FollowerClaim = { accountId: string; mode: 'first' | 'again' };

function outcomeFromRow(row: { status: string; result: unknown; error: { code: string; message: string } | null }): TaskOutcome {
  switch (row.status) {
    case 'succeeded':
      return { kind: 'succeeded', result: row.result };
    case 'skipped':
      return { kind: 'skipped', reason: row.error?.message ?? 'skipped' };
    case 'cancelled':
      return { kind: 'cancelled' };
    default:
      return { kind: 'failed', error: row.error ?? { code: 'failed', message: row.status } };
  }
}

/**
 * Claims the task for this attempt: running, attempts + 1, the new lease. A task that already reached a
 * terminal status is not run again (its worker died after recording it); an older lease is refused.
 */
export async function startAttempt(
  db: Db,
  taskId: string,
  lease: Lease,
  projection: AccountView,
  follower?: FollowerClaim & { type: string },
): Promise<StartResult> {
  if (follower) {
    const claimed = await claimFollower(db, follower, taskId, lease);
    return claimed === null ? readUnclaimed(db, taskId) : { kind: 'started', ...claimed };
  }
  return db.transaction(async (tx) => {
    const now = new Date();
    const claimed = await tx
      .update(tasks)
      .set({
        status: 'running',
        attempts: sql`${tasks.attempts} + 1`,
        fencingToken: lease.fencingToken,
        activityAttempt: lease.activityAttempt,
        startedAt: sql`coalesce(${tasks.startedAt}, ${now.toISOString()}::timestamptz)`,
        updatedAt: now,
      })
      .where(
        and(
          eq(tasks.taskId, taskId),
          inArray(tasks.status, LIVE),
          claimableBy(lease),
        ),
      )
      .returning({ attempts: tasks.attempts, accountId: tasks.accountId, payload: tasks.payload });
    const row = claimed[0];
    if (row) {
      await tx.insert(taskEvents).values({
        taskId, accountId: row.accountId, type: 'started', at: now,
        data: { attempt: row.attempts, fencingToken: lease.fencingToken, activityAttempt: lease.activityAttempt },
      });
      await writeProjection(tx, projection, lease);
      return { kind: 'started', attempts: row.attempts, payload: row.payload };
    }
    return readUnclaimed(tx, taskId);
  });
}

/** Why a claim took nothing: the task is over (and how), held by a newer lease, or unknown. */
async function readUnclaimed(db: Writer, taskId: string): Promise<StartResult> {
  const existing = await db
    .select({ status: tasks.status, result: tasks.result, error: tasks.error, fencingToken: tasks.fencingToken })
    .from(tasks)
    .where(eq(tasks.taskId, taskId));
  const current = existing[0];
  if (!current) return { kind: 'missing' };
  if (!LIVE.includes(current.status)) return { kind: 'finished', outcome: outcomeFromRow(current), fencingToken: current.fencingToken };
  return { kind: 'stale' };
}

/**
 * A run's later member, claimed in one statement (the hot path of a run: one per task), with its started
 * event. `first`: from `queued` only and below the account's run fence; the account row is locked (FOR
 * UPDATE: the statement writes it) so a fence being raised and a claim go one after the other, and
 * whoever raises the fence then sees every claim made before it. `again`: only a member this run started.
 * The account shows the member as its running task: the workflow only hears of the run when it ends, so
 * its own projection still names the first member; its next write (a newer version) replaces this.
 */
async function claimFollower(
  db: Db,
  follower: FollowerClaim & { type: string },
  taskId: string,
  lease: Lease,
): Promise<{ attempts: number; payload: unknown } | null> {
  const { accountId, type } = follower;
  const now = new Date().toISOString();
  const claimable = follower.mode === 'first'
    ? sql`status = 'queued' AND coalesce((SELECT f FROM fence), 0) < ${lease.fencingToken}::bigint`
    : sql`status IN ('queued', 'running') AND fencing_token = ${lease.fencingToken}::bigint`;
  const result = await db.execute(sql`
    WITH fence AS (
      SELECT coalesce(run_fence, 0) AS f FROM ${accountStates} WHERE account_id = ${accountId} FOR UPDATE
    ), claimed AS (
      UPDATE ${tasks}
      SET status = 'running', attempts = attempts + 1, fencing_token = ${lease.fencingToken}::bigint,
          activity_attempt = ${lease.activityAttempt}::int, started_at = coalesce(started_at, ${now}::timestamptz),
          updated_at = ${now}::timestamptz
      WHERE task_id = ${taskId} AND ${claimable} AND ${claimableBy(lease)}
      RETURNING attempts, account_id, payload
    ), started AS (
      INSERT INTO ${taskEvents} (task_id, account_id, type, at, data)
      SELECT ${taskId}, account_id, 'started', ${now}::timestamptz,
             jsonb_build_object('attempt', attempts, 'fencingToken', ${lease.fencingToken}::bigint, 'activityAttempt', ${lease.activityAttempt}::int)
      FROM claimed
    ), shown AS (
      UPDATE ${accountStates}
      SET running_task_id = ${taskId}, running_task_type = ${type}, running_since = ${now}::timestamptz,
          queue_length = greatest(queue_length - 1, 0), lease_token = ${lease.fencingToken}::bigint,
          lease_attempt = ${lease.activityAttempt}::int, updated_at = ${now}::timestamptz
      WHERE account_id = ${accountId} AND coalesce(lease_token, 0) < ${lease.fencingToken}::bigint AND EXISTS (SELECT 1 FROM claimed)
    )
    SELECT attempts, payload FROM claimed`);
  const rows = (result as unknown as { rows: { attempts: number; payload: unknown }[] }).rows;
  return rows[0] ? { attempts: Number(rows[0].attempts), payload: rows[0].payload } : null;
}


/** Whether a cancel reached this task after a run started it (see the `cancel_requested` record). */
export async function cancelRequested(db: Db, taskId: string): Promise<boolean> {
  const rows = await db.select({ at: tasks.cancelRequestedAt }).from(tasks).where(eq(tasks.taskId, taskId));
  return rows[0]?.at != null;
}

/**
 * What became of each member of a run whose activity gave no answer (Temporal gave up on it, or it was
 * cancelled): finished by this run (the row carries its token), started and not finished, or not started.
 */
export async function readRunMembers(db: Db, accountId: string, members: { taskId: string; fencingToken: number }[]): Promise<RunMemberFact[]> {
  return db.transaction(async (tx) => {
    // An attempt Temporal gave up on may still be alive: from here on it starts no further member, and
    // every member it did start is in what we read.
    await raiseRunFence(tx, accountId, Math.max(...members.map((m) => m.fencingToken)));
    return readMembers(tx, members);
  });
}

async function readMembers(tx: Tx, members: { taskId: string; fencingToken: number }[]): Promise<RunMemberFact[]> {
  const rows = await tx
    .select({
      taskId: tasks.taskId, status: tasks.status, result: tasks.result, error: tasks.error,
      fencingToken: tasks.fencingToken, cancelRequestedAt: tasks.cancelRequestedAt,
    })
    .from(tasks)
    .where(inArray(tasks.taskId, members.map((m) => m.taskId)));
  const byId = new Map(rows.map((r) => [r.taskId, r]));
  return members.map(({ taskId, fencingToken }): RunMemberFact => {
    const row = byId.get(taskId);
    // Cancelled before the run reached it (the workflow's own cancel, under no token of the run).
    if (row?.status === 'cancelled' && row.fencingToken !== fencingToken) return { taskId, state: 'finished', outcome: { kind: 'cancelled' } };
    if (!row || row.fencingToken !== fencingToken) return { taskId, state: 'not_started' };
    if (row.status === 'running') return { taskId, state: 'started', cancelRequested: row.cancelRequestedAt !== null };
    if (row.status === 'queued') {
      // Back in the queue with this run's token: the member was rate limited.
      return { taskId, state: 'finished', outcome: { kind: 'rate_limited', message: row.error?.message ?? 'rate limited' } };
    }
    return { taskId, state: 'finished', outcome: outcomeFromRow(row) };
  });
}

/**
 * Records how the attempt ended: a terminal status, or `queued` again after a rate limit. Returns false
 * when the attempt no longer holds the task (a newer attempt or a cancellation got there first).
 */
export async function finishAttempt(
  db: Db,
  accountId: string,
  taskId: string,
  lease: Lease,
  outcome: TaskOutcome,
): Promise<boolean> {
  try {
    return await writeFinish(db, accountId, taskId, lease, outcome);
  } catch (err) {
    if (!isDataRefusal(err)) throw err;
    // What the task came to cannot be stored (a result holding a NUL, say): it fails, and says why.
    const error = { code: 'ledger_refused', message: refusalMessage(err, `what the task came to (${outcome.kind})`) };
    return writeFinish(db, accountId, taskId, lease, { kind: 'failed', error });
  }
}

/** The largest result the ledger keeps for a task, serialised (a larger one fails the task). */
export const MAX_RESULT_CHARS = 1024 * 1024;

async function writeFinish(db: Db, accountId: string, taskId: string, lease: Lease, outcome: TaskOutcome): Promise<boolean> {
  if (outcome.kind === 'succeeded' && (JSON.stringify(outcome.result ?? null)?.length ?? 0) > MAX_RESULT_CHARS) {
    const message = `the task's result is larger than ${MAX_RESULT_CHARS} characters of JSON, which the ledger does not keep`;
    return writeFinish(db, accountId, taskId, lease, { kind: 'failed', error: { code: 'result_too_large', message } });
  }
  const now = new Date().toISOString();
  let status: string;
  let error: { code: string; message: string } | null;
  let eventData: Record<string, unknown>;
  switch (outcome.kind) {
    case 'succeeded':
      status = 'succeeded';
      error = null;
      eventData = { result: outcome.result ?? null };
      break;
    case 'failed':
      status = 'failed';
      error = storableError(outcome.error);
      eventData = { error };
      break;
    case 'skipped':
      status = 'skipped';
      error = { code: 'skipped', message: storableText(outcome.reason) };
      eventData = { reason: error.message };
      break;
    case 'cancelled':
      status = 'cancelled';
      error = { code: 'cancelled', message: 'cancelled while running' };
      eventData = {};
      break;
    case 'rate_limited':
      status = 'queued';
      error = { code: 'rate_limited', message: storableText(outcome.message) };
      eventData = { message: error.message, retryAfterMs: outcome.retryAfterMs ?? null };
      break;
  }
  const result = outcome.kind === 'succeeded' && outcome.result != null ? JSON.stringify(outcome.result) : null;
  const finished = outcome.kind !== 'rate_limited';
  const eventType = outcome.kind === 'rate_limited' ? 'requeued' : status;
  // One statement (every task of a run ends here): the row, if this attempt still holds it, and its event.
  const written = await db.execute(sql`
    WITH done AS (
      UPDATE ${tasks}
      SET status = ${status}, error = ${error === null ? null : JSON.stringify(error)}::jsonb,
          result = CASE WHEN ${outcome.kind === 'succeeded'}::boolean THEN ${result}::jsonb ELSE result END,
          finished_at = CASE WHEN ${finished}::boolean THEN ${now}::timestamptz ELSE finished_at END,
          updated_at = ${now}::timestamptz
      WHERE ${heldBy(taskId, lease)}
      RETURNING task_id
    )
    INSERT INTO ${taskEvents} (task_id, account_id, type, at, data)
    SELECT task_id, ${accountId}, ${eventType}, ${now}::timestamptz, ${JSON.stringify(eventData)}::jsonb FROM done
    RETURNING task_id`);
  return (written as unknown as { rows: unknown[] }).rows.length > 0;
}

/** A progress event from the handler; dropped when the attempt no longer holds the task. */
export async function recordProgress(db: Db, accountId: string, taskId: string, lease: Lease, data: Record<string, unknown>): Promise<void> {
  await db.transaction(async (tx) => {
    if (await holdsLease(tx, taskId, lease)) await tx.insert(taskEvents).values({ taskId, accountId, type: 'progress', data });
  });
}

/** A transient failure that Temporal will retry; dropped when the attempt no longer holds the task. */
export async function recordRetry(db: Db, accountId: string, taskId: string, lease: Lease, error: { code: string; message: string }): Promise<void> {
  await db.transaction(async (tx) => {
    if (!(await holdsLease(tx, taskId, lease))) return;
    await tx.insert(taskEvents).values({ taskId, accountId, type: 'retry', data: { error: storableError(error), activityAttempt: lease.activityAttempt } });
  });
}

const ERRORS_KEPT_PER_ACCOUNT = 100;

/**
 * Appends to the account's error history and keeps only the newest 100. With a lease, an attempt that no
 * longer holds its task records nothing (its error belongs to a run Temporal gave up on).
 */
export async function recordAccountError(
  db: Db,
  e: { accountId: string; taskId: string; kind: string; code: string; message: string },
  lease?: Lease,
): Promise<void> {
  await db.transaction(async (tx) => {
    if (lease && !(await holdsLease(tx, e.taskId, lease))) return;
    await tx.insert(accountErrors).values({ ...e, code: storableText(e.code), message: storableText(e.message.slice(0, 2000)) });
    await tx.execute(sql`
      DELETE FROM ${accountErrors}
      WHERE ${accountErrors.accountId} = ${e.accountId}
        AND ${accountErrors.id} < (
          SELECT min(id) FROM (
            SELECT ${accountErrors.id} AS id FROM ${accountErrors}
            WHERE ${accountErrors.accountId} = ${e.accountId}
            ORDER BY ${accountErrors.id} DESC LIMIT ${ERRORS_KEPT_PER_ACCOUNT}
          ) newest
        )`);
  });
}
