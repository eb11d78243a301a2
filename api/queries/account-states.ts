/**
 * The account rows of the ledger (`account_states`, the projection the account workflows' activities
 * write): one row, and the keyset-paged list behind `GET /api/account-execution-states`. The same view of
 * a row is what the account stream sends and what `GET /api/account-states` extends with the errors.
 */
import type { z } from '@hono/zod-openapi';
import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { accountStates } from '../../db/schema';
import type { AccountExecutionState, AccountStateList } from '../schemas';
import { decodeCursor, encodeCursor } from './cursor';
import { accountStateOf } from './ledger-values';

export type AccountRow = typeof accountStates.$inferSelect;
export type AccountView = z.infer<typeof AccountExecutionState>;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : undefined);

export function accountView(row: AccountRow): AccountView {
  return {
    accountId: row.accountId,
    state: accountStateOf(row.state),
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

export async function getAccountRow(db: Db, accountId: string): Promise<AccountRow | undefined> {
  const rows = await db.select().from(accountStates).where(eq(accountStates.accountId, accountId));
  return rows[0];
}

export async function listAccounts(db: Db, f: { state?: string | undefined; limit: number; cursor?: string | undefined }): Promise<z.infer<typeof AccountStateList>> {
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

