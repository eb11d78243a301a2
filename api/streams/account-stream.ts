/**
 * One `/api/events` stream: the accounts that changed since `Last-Event-ID` (its own read), then every
 * change as the process's account feed reads it (api/streams/account-feed.ts), newest state per account, each
 * state sent once.
 */
import { and, asc, eq, gt, or } from 'drizzle-orm';
import type { SSEStreamingApi } from 'hono/streaming';
import type { Db } from '../../db/client';
import { accountStates } from '../../db/schema';
import type { AccountRow } from './account-feed';
import { accountView } from '../queries/account-states';
import type { NotificationHub } from './notifications';
import { HEARTBEAT_MS, wakeable } from './wakeable';

const REPLAY_PAGE = 500;
/** Account rows carry the writer's clock: a resume reads this much before the given id again. */
const ACCOUNT_RESUME_GRACE_MS = 5_000;

export interface AccountStreamDeps {
  db: Db;
  notifications: NotificationHub;
}

export async function followAccounts(deps: AccountStreamDeps, stream: SSEStreamingApi, accountId: string | undefined, sinceMs: number) {
  const { db, notifications } = deps;
  const { streams } = notifications;
  const wake = wakeable();
  /** The newest row of each account not sent yet: a slow client gets the latest state, not every step. */
  const waiting = new Map<string, AccountRow>();
  const sent = new Map<string, { version: number; at: number }>();
  let feedClosed = false;
  stream.onAbort(() => wake.close());
  const unsubscribe = await notifications.accountFeed.subscribe((rows) => {
    if (rows === null) {
      feedClosed = true;
      return wake.close();
    }
    let mine = false;
    for (const r of rows) {
      if (accountId && r.accountId !== accountId) continue;
      const held = waiting.get(r.accountId);
      if (!held || r.version >= held.version) waiting.set(r.accountId, r);
      mine = true;
    }
    if (mine) wake.notify();
  });
  const send = async (row: AccountRow) => {
    const last = sent.get(row.accountId);
    const at = row.updatedAt.getTime();
    // Versions only grow: an older or the same state (read twice) is not news.
    if (last && (row.version < last.version || (row.version === last.version && at === last.at))) return;
    if (sent.size >= 10_000) sent.clear();
    sent.set(row.accountId, { version: row.version, at });
    await stream.writeSSE({ id: String(at), event: 'account', data: JSON.stringify(accountView(row)) });
    streams.sent('account');
  };
  try {
    await stream.write(': ready\n\n');
    if (sinceMs > 0) {
      // Resuming: this stream's own keyset read over (updated_at, account_id) from a little before the last change seen.
      let cursor: { at: Date; id: string } = { at: new Date(sinceMs - ACCOUNT_RESUME_GRACE_MS), id: '' };
      for (;;) {
        const rows = await db
          .select()
          .from(accountStates)
          .where(and(
            accountId ? eq(accountStates.accountId, accountId) : undefined,
            or(gt(accountStates.updatedAt, cursor.at), and(eq(accountStates.updatedAt, cursor.at), gt(accountStates.accountId, cursor.id))),
          ))
          .orderBy(asc(accountStates.updatedAt), asc(accountStates.accountId))
          .limit(REPLAY_PAGE);
        for (const r of rows) await send(r);
        const lastRow = rows[rows.length - 1];
        if (!lastRow || rows.length < REPLAY_PAGE || stream.aborted) break;
        cursor = { at: lastRow.updatedAt, id: lastRow.accountId };
      }
    }
    for (;;) {
      if (waiting.size) {
        const rows = [...waiting.values()].sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime());
        waiting.clear();
        for (const r of rows) await send(r);
      }
      if (stream.aborted) return;
      const why = await wake.wait(HEARTBEAT_MS);
      if (why === 'closed' || feedClosed || stream.aborted || notifications.closed) return;
      if (why === 'timeout') await stream.write(': heartbeat\n\n');
    }
  } finally {
    unsubscribe();
  }
}
