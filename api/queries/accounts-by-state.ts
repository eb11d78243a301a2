/** The account projection summed by state, for the Prometheus gauges: accounts, their queued tasks, and cooldowns not yet over. */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { accountStates } from '../../db/schema';

export interface AccountsOfState {
  state: string;
  n: number;
  queued: number;
  cooling: number;
}

export async function accountsByState(db: Db): Promise<AccountsOfState[]> {
  return await db
    .select({
      state: accountStates.state,
      n: sql<number>`count(*)`.mapWith(Number),
      queued: sql<number>`coalesce(sum(${accountStates.queueLength}), 0)`.mapWith(Number),
      cooling: sql<number>`count(*) filter (where ${accountStates.cooldownUntil} > now())`.mapWith(Number),
    })
    .from(accountStates)
    .groupBy(accountStates.state);
}
