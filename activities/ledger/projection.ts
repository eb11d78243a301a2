/**
 * The account projection (`account_states`): the workflow's view of an account, kept for the API, and the
 * account's run fence.
 */
import { eq, sql } from 'drizzle-orm';
import type { Writer } from '../../db/client';
import { accountStates } from '../../db/schema';
import type { AccountView } from '../../workflows/types';
import { storableText } from '../ledger-refusals';
import type { Lease } from './lease';

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
