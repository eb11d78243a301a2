/** The account's error history (`account_errors`): the newest errors of its tasks, for operators. */
import { and, desc, eq, lt, min } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { accountErrors } from '../../db/schema';
import { storableText } from '../ledger-refusals';
import { holdsLease, type Lease } from './lease';

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
    const ofAccount = eq(accountErrors.accountId, e.accountId);
    const newest = tx
      .select({ id: accountErrors.id })
      .from(accountErrors)
      .where(ofAccount)
      .orderBy(desc(accountErrors.id))
      .limit(ERRORS_KEPT_PER_ACCOUNT)
      .as('newest');
    await tx.delete(accountErrors).where(and(ofAccount, lt(accountErrors.id, tx.select({ id: min(newest.id) }).from(newest))));
  });
}
