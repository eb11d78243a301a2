/**
 * Dedupe keys as locks: which (account, key) pairs are held, by which task, and an operator's release.
 *
 * A key is held by the one queued or running task that carries it and whose key no operator released
 * (`holdsDedupeKey`, the predicate of the unique index that enforces the lock). A release sets the task's
 * `dedupe_released_at`: the task runs on and keeps its `dedupe_key` as the record of what it held, and the
 * next submission with the key is accepted.
 *
 * Guarantee: a release and the intake are serialised per account by the intake's advisory lock, so a
 * submission decided before the release is refused (the key was held) and one decided after is accepted;
 * none is refused by a lock the answer already called released.
 */
import type { z } from '@hono/zod-openapi';
import { and, asc, count, eq, gt, or, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { holdsDedupeKey, taskEvents, tasks } from '../../db/schema';
import { ApiError } from '../http/errors';
import { lockAccounts } from '../intake/store';
import type { DedupeKeyRelease, HeldDedupeKeyList } from '../schemas';
import { decodeCursor, encodeCursor } from './cursor';
import { taskStatusOf } from './ledger-values';

export interface HeldKeysFilter {
  accountId?: string | undefined;
  key?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Held keys in (account, key) order, the order of the unique index, keyset-paged on that pair. */
export async function listHeldKeys(db: Db, f: HeldKeysFilter): Promise<z.infer<typeof HeldDedupeKeyList>> {
  const where: SQL[] = [holdsDedupeKey];
  if (f.accountId) where.push(eq(tasks.accountId, f.accountId));
  if (f.key) where.push(eq(tasks.dedupeKey, f.key));
  if (f.cursor) {
    const [account, key] = decodeCursor(f.cursor, ['string', 'string']) as [string, string];
    where.push(or(gt(tasks.accountId, account), and(eq(tasks.accountId, account), gt(tasks.dedupeKey, key)))!);
  }
  const rows = await db
    .select({ accountId: tasks.accountId, dedupeKey: tasks.dedupeKey, taskId: tasks.taskId, taskType: tasks.type, taskStatus: tasks.status, heldSince: tasks.createdAt })
    .from(tasks)
    .where(and(...where))
    .orderBy(asc(tasks.accountId), asc(tasks.dedupeKey))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({ ...r, dedupeKey: r.dedupeKey!, taskStatus: taskStatusOf(r.taskStatus), heldSince: r.heldSince.toISOString() })),
    nextCursor: rows.length > f.limit && last ? encodeCursor([last.accountId, last.dedupeKey!]) : null,
  };
}

/** How many keys are held now, across accounts (an index-only count over the live-key index). */
export async function countHeldKeys(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(tasks).where(holdsDedupeKey);
  return row?.n ?? 0;
}

export type Release = z.infer<typeof DedupeKeyRelease>;

/**
 * Releases (account, key) from its holder and records a `dedupe_released` event on the task with who did
 * it. 404 `dedupe_key_not_held` when no task holds the key (never held, finished, or released already).
 */
export async function releaseDedupeKey(db: Db, accountId: string, dedupeKey: string, releasedBy: string): Promise<Release> {
  return db.transaction(async (tx) => {
    // The intake's per-account lock: no submission to this account is between its check and its insert.
    await lockAccounts(tx, [accountId]);
    const now = new Date();
    const [held] = await tx
      .update(tasks)
      .set({ dedupeReleasedAt: now, updatedAt: now })
      .where(and(eq(tasks.accountId, accountId), eq(tasks.dedupeKey, dedupeKey), holdsDedupeKey))
      .returning({ taskId: tasks.taskId, taskStatus: tasks.status });
    if (!held) {
      throw new ApiError(404, 'dedupe_key_not_held', `no live task of account ${accountId} holds dedupeKey ${JSON.stringify(dedupeKey)}`, { accountId, dedupeKey });
    }
    await tx.insert(taskEvents).values({
      taskId: held.taskId, accountId, type: 'dedupe_released', at: now,
      data: { dedupeKey, releasedBy, taskStatus: held.taskStatus },
    });
    return { accountId, dedupeKey, taskId: held.taskId, taskStatus: taskStatusOf(held.taskStatus), releasedAt: now.toISOString(), releasedBy };
  });
}

