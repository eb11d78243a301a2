/**
 * `ctx.engage`: the re-engagement window and the interaction log.
 *
 * The check and the record must not race (two attempts engaging one (account, target, action) at once
 * make exactly one success), yet no lock may be held while the handler's function runs. So the check is
 * a claim: one atomic upsert of the `interaction_latest` row that succeeds only when the window has
 * expired, the last attempt did not succeed, or the row is this task's own earlier attempt. The claim
 * marks the row `in_progress` until the task timeout, so a worker that dies mid-call blocks the target
 * no longer than the attempt could have run anyway. No row back means someone holds the target: a
 * `dedupe_hit`. Both the claim and the record take the task's lease (FOR SHARE on its ledger row), so an
 * attempt Temporal has given up on records nothing. A success keeps the call's answer: when the worker
 * dies after the call but before the task is recorded, the next attempt of that same task gets the answer
 * back instead of calling the target twice or ending as a dedupe hit.
 */
import type { Context } from '@temporalio/activity';
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Settings } from '../config/settings';
import type { Db, Tx } from '../db/client';
import { interactionEvents, interactionLatest, tasks } from '../db/schema';
import { classifyError, DedupeHitError, errorMessage, PermanentError, StaleAttemptError, type MessageRule } from './errors';
import { holdsLease, type Lease } from './ledger/lease';

export type InteractionStatus = 'success' | 'failed' | 'skipped' | 'retry' | 'dedupe_hit';
export const INTERACTION_STATUSES: readonly InteractionStatus[] = ['success', 'failed', 'skipped', 'retry', 'dedupe_hit'];

/** `interaction_latest.status` of a claimed row whose call has not finished. */
export const IN_PROGRESS = 'in_progress';

export interface EngageScope {
  db: Db;
  log?: Logger;
  accountId: string;
  taskId: string;
  lease: Lease;
  workerId: string | null;
  /** The re-engagement window after a success. */
  windowMs: number;
  /** How long a claim holds the target without an answer: the attempt's own timeout. */
  claimTtlMs: number;
  /** How a thrown error is recorded (status and reason). */
  describeError(err: unknown): { status: Exclude<InteractionStatus, 'success' | 'dedupe_hit'>; reason: string; message: string };
}

export interface InteractionKey {
  accountId: string;
  target: string;
  action: string;
}

const msInterval = (ms: number) => sql`(${ms}::double precision * interval '1 millisecond')`;
const keyIs = (k: InteractionKey): SQL =>
  and(eq(interactionLatest.accountId, k.accountId), eq(interactionLatest.target, k.target), eq(interactionLatest.action, k.action))!;

/**
 * Claims (account, target, action) for `taskId` until `claimTtlMs` from now. Returns null when the target
 * is inside its window or another task's call is in progress.
 */
export async function claimInteraction(tx: Db | Tx, key: InteractionKey, taskId: string, claimTtlMs: number): Promise<{ lastSuccessAt: Date | null } | null> {
  const l = interactionLatest;
  const rows = await tx
    .insert(l)
    .values({ ...key, status: IN_PROGRESS, taskId, expiresAt: sql`now() + ${msInterval(claimTtlMs)}`, updatedAt: sql`now()` })
    .onConflictDoUpdate({
      target: [l.accountId, l.target, l.action],
      set: { status: IN_PROGRESS, taskId, expiresAt: sql`excluded.expires_at`, updatedAt: sql`now()` },
      setWhere: sql`${l.expiresAt} IS NULL OR ${l.expiresAt} <= now()
        OR ${l.status} NOT IN ('success', ${IN_PROGRESS})
        OR (${l.status} = ${IN_PROGRESS} AND ${l.taskId} = excluded.task_id)`,
    })
    .returning({ lastSuccessAt: l.lastSuccessAt });
  return rows[0] ?? null;
}

async function insertEvent(tx: Db | Tx, e: typeof interactionEvents.$inferInsert): Promise<void> {
  await tx.insert(interactionEvents).values({ ...e, reason: e.reason?.slice(0, 2000) ?? null });
}

/** Records how the claimed call ended and moves the window; refused (StaleAttemptError) for a stale attempt. */
async function recordOutcome(
  s: EngageScope,
  key: InteractionKey,
  outcome: { status: InteractionStatus; reason: string | null; latencyMs: number; metadata: Record<string, unknown> | null; result?: unknown },
): Promise<void> {
  const l = interactionLatest;
  const mine = sql`(${l.status} = ${IN_PROGRESS} AND ${l.taskId} = ${s.taskId})`;
  const recorded = await s.db.transaction(async (tx) => {
    if (!(await holdsLease(tx, s.taskId, s.lease))) {
      // A cancelled task no longer runs: free its claim. A newer attempt of it keeps the claim it took over.
      await tx
        .update(l)
        .set({ status: 'released', expiresAt: null, updatedAt: sql`now()` })
        .where(and(keyIs(key), mine, sql`NOT EXISTS (SELECT 1 FROM ${tasks} WHERE ${tasks.taskId} = ${s.taskId} AND ${tasks.status} = 'running')`));
      return false;
    }
    const success = outcome.status === 'success';
    const result = success ? storableResult(outcome.result) : null;
    await tx
      .insert(l)
      .values({
        ...key,
        status: outcome.status,
        taskId: s.taskId,
        lastSuccessAt: success ? sql`now()` : null,
        expiresAt: success ? sql`now() + ${msInterval(s.windowMs)}` : null,
        result,
        updatedAt: sql`now()`,
      })
      .onConflictDoUpdate({
        target: [l.accountId, l.target, l.action],
        set: {
          status: outcome.status,
          taskId: s.taskId,
          lastSuccessAt: success ? sql`now()` : sql`${l.lastSuccessAt}`,
          expiresAt: success ? sql`excluded.expires_at` : null,
          result: sql`excluded.result`,
          updatedAt: sql`now()`,
        },
        // Our claim, or (after a call longer than the claim) a success while nobody else holds the target.
        // A failure never overwrites another task's claim or success.
        setWhere: success ? sql`${mine} OR NOT (${l.status} = ${IN_PROGRESS} AND ${l.expiresAt} > now())` : mine,
      });
    await insertEvent(tx, { ...key, status: outcome.status, reason: outcome.reason, taskId: s.taskId, workerId: s.workerId, latencyMs: outcome.latencyMs, metadata: outcome.metadata });
    return true;
  });
  if (!recorded) throw new StaleAttemptError(`attempt ${s.lease.activityAttempt} of task ${s.taskId} lost its lease; interaction not recorded`);
}

/** Runs `fn` under the window for (account, target, action); see the file comment. */
export async function engage<T>(
  s: EngageScope,
  target: string,
  action: string,
  fn: () => Promise<T>,
  metadata?: Record<string, unknown>,
): Promise<T> {
  // A handler bug, not a passing failure: retrying would fail the same way.
  if (!target || !action || target.length > 512 || action.length > 128 || (target + action).includes('\u0000')) {
    throw new PermanentError('engage needs a target (1-512 characters) and an action (1-128), without NUL', 'invalid_interaction');
  }
  const key: InteractionKey = { accountId: s.accountId, target, action };
  const claimed = await s.db.transaction(async (tx) => {
    if (!(await holdsLease(tx, s.taskId, s.lease))) {
      throw new StaleAttemptError(`attempt ${s.lease.activityAttempt} of task ${s.taskId} lost its lease before engaging ${target}`);
    }
    const claim = await claimInteraction(tx, key, s.taskId, s.claimTtlMs);
    if (claim) return { ok: true as const };
    const [held] = await tx.select().from(interactionLatest).where(keyIs(key));
    const busy = held?.status === IN_PROGRESS;
    // An earlier attempt of this very task made the call and died before the task was recorded: the
    // call is not made again, and the task goes on with the answer that attempt got.
    const replay = held?.status === 'success' && held.taskId === s.taskId && isStoredResult(held.result);
    await insertEvent(tx, {
      ...key,
      status: 'dedupe_hit',
      reason: replay ? 'done_by_earlier_attempt' : busy ? 'engaged_by_another_task' : 'inside_window',
      taskId: s.taskId,
      workerId: s.workerId,
      metadata: { ...metadata, heldBy: held?.taskId ?? null, nextAllowedAt: held?.expiresAt?.toISOString() ?? null },
    });
    if (replay) return { ok: 'replay' as const, result: held.result as StoredResult };
    return { ok: false as const, nextAllowedAt: held?.expiresAt ?? null };
  });
  if (claimed.ok === 'replay') return claimed.result.value as T;
  if (!claimed.ok) throw new DedupeHitError(target, action, claimed.nextAllowedAt);

  const started = performance.now();
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    const latencyMs = Math.round(performance.now() - started);
    const d = s.describeError(err);
    try {
      await recordOutcome(s, key, { status: d.status, reason: d.reason, latencyMs, metadata: { ...metadata, error: d.message } });
    } catch (recordErr) {
      s.log?.warn({ err: errorMessage(recordErr), target, action }, 'interaction failure not recorded');
    }
    throw err;
  }
  await recordOutcome(s, key, { status: 'success', reason: null, latencyMs: Math.round(performance.now() - started), metadata: metadata ?? null, result });
  return result;
}

/** A call's answer as kept in `interaction_latest.result`. */
interface StoredResult {
  value: unknown;
}

/** Answers above this size are not kept; a later attempt of the task then ends as a dedupe hit. */
const MAX_STORED_RESULT_CHARS = 64 * 1024;

function storableResult(value: unknown): StoredResult | null {
  try {
    const text = JSON.stringify({ value: value ?? null });
    return text.length <= MAX_STORED_RESULT_CHARS ? (JSON.parse(text) as StoredResult) : null;
  } catch {
    return null; // not JSON (a cycle, a BigInt): nothing to hand a later attempt
  }
}

function isStoredResult(v: unknown): v is StoredResult {
  return typeof v === 'object' && v !== null && 'value' in v;
}

/** How an error thrown inside `engage` is recorded, given whether Temporal will run the task again. */
export function describeEngageError(
  err: unknown,
  o: { finalAttempt: boolean; errorRules: MessageRule[]; aborted: 'cancelled' | 'interrupted' | null },
): ReturnType<EngageScope['describeError']> {
  const message = errorMessage(err).slice(0, 2000);
  if (o.aborted === 'cancelled') return { status: 'failed', reason: 'cancelled', message };
  if (o.aborted === 'interrupted') return { status: 'retry', reason: 'interrupted', message };
  const c = classifyError(err, o.errorRules);
  switch (c.kind) {
    case 'permanent':
      return { status: 'failed', reason: c.code, message };
    case 'unavailable':
      return { status: 'skipped', reason: c.code, message };
    case 'rate_limited':
      // The task goes back to its queue and runs again after the cooldown.
      return { status: 'retry', reason: c.code, message };
    case 'transient':
      return o.finalAttempt ? { status: 'failed', reason: 'attempts_exhausted', message } : { status: 'retry', reason: c.code, message };
  }
}

/** The worker's identity as Temporal knows it (null outside a real worker). */
export function activityWorkerId(activity: Context): string | null {
  try {
    return activity.client.options.identity ?? null;
  } catch {
    return null;
  }
}

/** `ctx.engage` for one attempt of a task inside the `runTask` activity. */
export function createEngage(o: {
  db: Db;
  log: Logger;
  activity: Context;
  settings: Settings;
  accountId: string;
  taskId: string;
  lease: Lease;
  maxAttempts: number;
}) {
  const { activity } = o;
  const scope: EngageScope = {
    db: o.db,
    log: o.log,
    accountId: o.accountId,
    taskId: o.taskId,
    lease: o.lease,
    workerId: activityWorkerId(activity),
    windowMs: o.settings.reengagementDays * 86_400_000,
    claimTtlMs: activity.info.startToCloseTimeoutMs || o.settings.taskTimeoutSeconds * 1000,
    describeError: (err) =>
      describeEngageError(err, {
        finalAttempt: o.lease.activityAttempt >= o.maxAttempts,
        errorRules: o.settings.errorRules,
        aborted: !activity.cancellationSignal.aborted ? null : activity.cancellationDetails?.cancelRequested ? 'cancelled' : 'interrupted',
      }),
  };
  return <T>(target: string, action: string, fn: () => Promise<T>, metadata?: Record<string, unknown>) =>
    engage(scope, target, action, fn, metadata);
}
