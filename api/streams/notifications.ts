/**
 * One Postgres LISTEN per API process, fanned out to the event streams (account streams through one
 * shared reader, api/streams/account-feed.ts), and the count of open streams (api/streams/stream-slots.ts). Triggers
 * (migration 0003) send `pg_notify` with the row's key when a task event is inserted or an account state
 * changes; a stream subscribes before it replays and treats a notification only as "read again", so
 * nothing committed between replay and subscription is missed and ids dedupe the rest.
 *
 * A notification names the schema it came from: several Baton schemas may share one database (tests
 * do), and channels are database-wide.
 */
import type { Logger } from '../../config/logger';
import { sql } from 'drizzle-orm';
import type { Database, Unlisten } from '../../db/client';
import { errorMessage } from '../../activities/errors';
import { createAccountFeed, type AccountFeed } from './account-feed';
import { createStreamSlots, type StreamSlots } from './stream-slots';

const TASK_CHANNEL = 'baton_task_events';
const ACCOUNT_CHANNEL = 'baton_account_states';

/** Called with the key of what changed, or with null when notifications may have been lost (a reconnect). */
export type Wake<K> = (key: K | null) => void;

export interface NotificationHub {
  /** Wakes `wake` for new events of `taskId`. Resolves once the process listens, so replay may start. */
  subscribeTask(taskId: string, wake: Wake<number>): Promise<() => void>;
  /** Wakes `wake` with the id of each account whose state row changed. */
  subscribeAccounts(wake: Wake<string>): Promise<() => void>;
  /** The changed account rows, read once for every account stream of the process. */
  readonly accountFeed: AccountFeed;
  /** The open event streams of the process: their limits and figures. */
  readonly streams: StreamSlots;
  /** True once `close()` was called: streams end at their next wake-up. */
  readonly closed: boolean;
  /** Stops listening and wakes every stream so that it ends (call before closing the HTTP server). */
  close(): Promise<void>;
}

export function createNotificationHub(database: Database, log: Logger): NotificationHub {
  const byTask = new Map<string, Set<Wake<number>>>();
  const accountSubs = new Set<Wake<string>>();
  let starting: Promise<void> | null = null;
  let unlistens: Unlisten[] = [];
  let closed = false;

  const wakeAll = () => {
    for (const subs of byTask.values()) for (const w of subs) w(null);
    for (const w of accountSubs) w(null);
  };

  const parse = (payload: string, schema: string): Record<string, unknown> | null => {
    try {
      const msg = JSON.parse(payload) as Record<string, unknown>;
      return msg.s === schema ? msg : null;
    } catch {
      return null;
    }
  };

  const start = async () => {
    const result: unknown = await database.db.execute(sql`select current_schema() as schema`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { schema: string }[];
    const schema = rows[0]?.schema ?? 'public';
    const onTask = (payload: string) => {
      const msg = parse(payload, schema);
      if (!msg || typeof msg.t !== 'string') return;
      for (const w of byTask.get(msg.t) ?? []) w(Number(msg.id));
    };
    const onAccount = (payload: string) => {
      const msg = parse(payload, schema);
      if (!msg || typeof msg.a !== 'string') return;
      for (const w of accountSubs) w(msg.a);
    };
    // After a dropped connection nobody knows what was missed, so every stream reads again (wakeAll).
    unlistens = [
      await database.listen(
        [TASK_CHANNEL, ACCOUNT_CHANNEL],
        (channel, payload) => (channel === TASK_CHANNEL ? onTask(payload) : onAccount(payload)),
        wakeAll,
      ),
    ];
    log.debug({ schema }, 'listening for task and account notifications');
  };

  const ensureStarted = async () => {
    if (closed) throw new Error('the notification hub is closed');
    starting ??= start().catch((err) => {
      starting = null; // the next subscriber tries again
      log.warn({ err: errorMessage(err) }, 'LISTEN failed');
      throw err;
    });
    await starting;
  };

  /** Waits for the LISTEN; a subscription that cannot be served is undone before the error passes on. */
  const startedOrUndo = async (unsubscribe: () => void): Promise<() => void> => {
    try {
      await ensureStarted();
    } catch (err) {
      unsubscribe();
      throw err;
    }
    return unsubscribe;
  };

  const streams = createStreamSlots();
  const subscribeAccounts = async (wake: Wake<string>) => {
    accountSubs.add(wake);
    return startedOrUndo(() => void accountSubs.delete(wake));
  };
  const accountFeed = createAccountFeed({ db: database.db, log, listen: subscribeAccounts, onRead: () => streams.accountRead() });

  return {
    accountFeed,
    streams,
    async subscribeTask(taskId, wake) {
      const subs = byTask.get(taskId) ?? new Set();
      subs.add(wake);
      byTask.set(taskId, subs);
      const unsubscribe = () => {
        subs.delete(wake);
        if (subs.size === 0 && byTask.get(taskId) === subs) byTask.delete(taskId);
      };
      return startedOrUndo(unsubscribe);
    },
    subscribeAccounts,
    get closed() {
      return closed;
    },
    async close() {
      closed = true;
      accountFeed.close();
      wakeAll();
      await starting?.catch(() => {});
      await Promise.all(unlistens.map((u) => u().catch(() => {})));
      unlistens = [];
      byTask.clear();
      accountSubs.clear();
    },
  };
}
