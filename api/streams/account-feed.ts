/**
 * The account rows behind every `/api/events` stream of this process, read once per change and handed to
 * each stream: however many dashboards are open, a change costs one query, not one per stream.
 *
 * Notifications name the accounts that changed; ids arriving while a read runs are read together next.
 * A catch-up read (rows updated since a little before the newest one seen) runs when notifications may
 * have been lost (a reconnect of the LISTEN) and every `catchUpMs`, once for all streams. A failed read is
 * logged and retried as a catch-up after `retryMs`; the streams stay open.
 */
import { and, asc, eq, gt, inArray, or } from 'drizzle-orm';
import type { Logger } from '../../config/logger';
import type { Db } from '../../db/client';
import { accountStates } from '../../db/schema';
import { errorMessage } from '../../activities/errors';
import type { Wake } from './notifications';

export type AccountRow = typeof accountStates.$inferSelect;
/** Rows that changed, or null once the feed has closed (the stream should end). */
export type Deliver = (rows: AccountRow[] | null) => void;

export interface AccountFeed {
  /** Resolves once notifications are listened to, so a stream may replay after it without a gap. */
  subscribe(deliver: Deliver): Promise<() => void>;
  close(): void;
}

export interface AccountFeedOptions {
  db: Db;
  log: Pick<Logger, 'warn'>;
  listen(wake: Wake<string>): Promise<() => void>;
  onRead?: () => void;
  catchUpMs?: number;
  /** Row times carry the writer's clock: a catch-up reads this much before the newest time seen. */
  graceMs?: number;
  retryMs?: number;
  pageSize?: number;
}

export function createAccountFeed(o: AccountFeedOptions): AccountFeed {
  const { db } = o;
  const graceMs = o.graceMs ?? 5000;
  const pageSize = o.pageSize ?? 500;
  const subscribers = new Set<Deliver>();
  const pending = new Set<string>();
  let catchUp = false;
  let reading = false;
  let closed = false;
  let since = Date.now();
  let listening: Promise<() => void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  const deliver = (rows: AccountRow[]) => {
    if (!rows.length) return;
    for (const r of rows) since = Math.max(since, r.updatedAt.getTime());
    for (const d of subscribers) d(rows);
  };

  const readChanged = async (ids: string[]) => {
    o.onRead?.();
    deliver(await db.select().from(accountStates).where(inArray(accountStates.accountId, ids)).orderBy(asc(accountStates.updatedAt)));
  };

  const readSince = async () => {
    let cursor = { at: new Date(since - graceMs), id: '' };
    for (;;) {
      o.onRead?.();
      const rows = await db
        .select()
        .from(accountStates)
        .where(or(gt(accountStates.updatedAt, cursor.at), and(eq(accountStates.updatedAt, cursor.at), gt(accountStates.accountId, cursor.id))))
        .orderBy(asc(accountStates.updatedAt), asc(accountStates.accountId))
        .limit(pageSize);
      deliver(rows);
      const last = rows[rows.length - 1];
      if (!last || rows.length < pageSize || closed) return;
      cursor = { at: last.updatedAt, id: last.accountId };
    }
  };

  /** One read at a time; what arrives meanwhile is read by the next turn of the loop. */
  const pump = async () => {
    if (reading || closed) return;
    reading = true;
    try {
      while (!closed && subscribers.size && (catchUp || pending.size)) {
        const ids = [...pending];
        pending.clear();
        const wholeRead = catchUp;
        catchUp = false;
        try {
          if (wholeRead) await readSince();
          else await readChanged(ids);
        } catch (err) {
          o.log.warn({ err: errorMessage(err) }, 'reading changed accounts for the event streams failed; retrying');
          setTimeout(() => wake(null), o.retryMs ?? 1000).unref();
          return;
        }
      }
    } finally {
      reading = false;
    }
  };

  const wake: Wake<string> = (id) => {
    if (closed || !subscribers.size) return;
    if (id === null) catchUp = true;
    else pending.add(id);
    void pump();
  };

  return {
    async subscribe(d) {
      if (closed) throw new Error('the account feed is closed');
      // Changes from before the first stream are no news to anyone: catch-ups start from now.
      if (!subscribers.size) since = Date.now();
      subscribers.add(d);
      try {
        listening ??= o.listen(wake).catch((err: unknown) => {
          listening = null; // the next subscriber tries again
          throw err;
        });
        await listening;
      } catch (err) {
        subscribers.delete(d);
        throw err;
      }
      timer ??= setInterval(() => wake(null), o.catchUpMs ?? 15_000).unref();
      return () => {
        subscribers.delete(d);
        if (!subscribers.size && timer) {
          clearInterval(timer);
          timer = null;
        }
      };
    },
    close() {
      closed = true;
      if (timer) clearInterval(timer);
      for (const d of subscribers) d(null);
      subscribers.clear();
      void listening?.then((unlisten) => unlisten()).catch(() => {});
    },
  };
}
