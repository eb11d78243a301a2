/**
 * Account health, read from the ledger: each account's row (./account-states.ts) with its latest errors
 * (`account_errors`, kept to the newest 100 per account by the writer). Behind `GET /api/account-states`.
 */
import type { z } from '@hono/zod-openapi';
import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { accountErrors } from '../../db/schema';
import type { AccountError, AccountHealth, AccountHealthList } from '../schemas';
import { accountView, getAccountRow, listAccounts } from './account-states';

type AccountErrorView = z.infer<typeof AccountError>;

/** The newest `perAccount` errors of each account, newest first, in one statement. */
export async function recentErrors(db: Db, accountIds: string[], perAccount: number): Promise<Map<string, AccountErrorView[]>> {
  if (accountIds.length === 0 || perAccount === 0) return new Map<string, AccountErrorView[]>();
  const ranked = db
    .select({
      accountId: accountErrors.accountId,
      taskId: accountErrors.taskId,
      kind: accountErrors.kind,
      code: accountErrors.code,
      message: accountErrors.message,
      at: accountErrors.at,
      rn: sql<number>`row_number() over (partition by ${accountErrors.accountId} order by ${accountErrors.id} desc)`.as('rn'),
    })
    .from(accountErrors)
    .where(inArray(accountErrors.accountId, accountIds))
    .as('ranked');
  const rows = await db.select().from(ranked).where(sql`${ranked.rn} <= ${perAccount}`).orderBy(ranked.accountId, ranked.rn);
  const byAccount = new Map<string, AccountErrorView[]>();
  for (const r of rows) {
    const list = byAccount.get(r.accountId) ?? [];
    list.push({ at: r.at.toISOString(), taskId: r.taskId, kind: r.kind, code: r.code, message: r.message });
    byAccount.set(r.accountId, list);
  }
  return byAccount;
}

/** A page of accounts (as `listAccounts` pages them), each with its latest `errors` errors. */
export async function listAccountHealth(db: Db, q: { state?: string | undefined; errors: number; limit: number; cursor?: string | undefined }): Promise<z.infer<typeof AccountHealthList>> {
  const page = await listAccounts(db, q);
  const errs = await recentErrors(db, page.items.map((i) => i.accountId), q.errors);
  const items = page.items.map((i) => ({ ...i, errors: errs.get(i.accountId) ?? [] }));
  return { items, nextCursor: page.nextCursor };
}

/** One account with its last 100 errors; undefined when the ledger has no row for it. */
export async function getAccountHealth(db: Db, accountId: string): Promise<z.infer<typeof AccountHealth> | undefined> {
  const row = await getAccountRow(db, accountId);
  if (!row) return undefined;
  const errs = await recentErrors(db, [accountId], 100);
  return { ...accountView(row), errors: errs.get(accountId) ?? [] };
}
