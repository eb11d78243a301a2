/**
 * Server-Sent Events: a task's lifecycle (replayed, then live, resumable with Last-Event-ID) and the
 * account states for the dashboard. Live delivery comes from the process's one LISTEN
 * (api/notifications.ts); each stream subscribes first, then replays, so nothing falls in between.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { and, asc, eq, gt, inArray, lte, or } from 'drizzle-orm';
import type { SSEStreamingApi } from 'hono/streaming';
import { streamSSE } from 'hono/streaming';
import { errorMessage } from '../../activities/errors';
import { accountStates, taskEvents } from '../../db/schema';
import { TERMINAL_STATUSES } from '../../workflows/types';
import type { AppDeps, AppEnv } from '../app';
import { ApiError } from '../errors';
import { accountView, getTaskRow } from '../ledger-queries';
import { AccountEventStreamQuery, EventStreamQuery, TaskId } from '../schemas';
import { errorResponses } from './openapi';

/** A comment line this often keeps proxies from closing an idle stream (and re-reads, in case a notification was lost). */
export const HEARTBEAT_MS = 15_000;
const REPLAY_PAGE = 500;
/** Account rows carry the writer's clock: a resume reads this much before the given id again. */
const ACCOUNT_RESUME_GRACE_MS = 5_000;
const TERMINAL = new Set<string>(TERMINAL_STATUSES);

const sse = (description: string) => ({ content: { 'text/event-stream': { schema: z.string() } }, description });
const lastEventHeader = z.object({ 'last-event-id': z.string().optional() });

const taskEventsRoute = createRoute({
  method: 'get',
  path: '/api/tasks/{taskId}/events',
  summary: "A task's lifecycle as Server-Sent Events",
  description:
    'Replays the task\'s events (SSE `id` = event id, `event` = type, `data` = JSON), then follows new ones and ends after the terminal one. `Last-Event-ID` (or `?lastEventId=`) resumes after that id.',
  request: { params: z.object({ taskId: TaskId }), query: EventStreamQuery, headers: lastEventHeader },
  responses: { 200: sse('The event stream'), ...errorResponses({ 400: 'Invalid request', 401: 'Missing or wrong API key', 404: 'No such task' }) },
});

const accountEventsRoute = createRoute({
  method: 'get',
  path: '/api/events',
  summary: 'Account state changes as Server-Sent Events (for the dashboard)',
  description:
    'Each change of an account\'s state row is sent as `event: account` with the account as JSON. With `Last-Event-ID` (or `?lastEventId=`) the accounts changed since then are sent first (a few may repeat).',
  request: { query: AccountEventStreamQuery, headers: lastEventHeader },
  responses: { 200: sse('The event stream'), ...errorResponses({ 400: 'Invalid request', 401: 'Missing or wrong API key' }) },
});

function lastEventId(header: string | undefined, query: string | undefined): number {
  const raw = header?.trim() || query;
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,18}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new ApiError(400, 'invalid_last_event_id', 'Last-Event-ID must be an event id this API sent (digits)');
  }
  return Number(raw);
}

type WaitResult = 'wake' | 'timeout' | 'closed';

/** A wake-up flag a stream sleeps on: a notification that arrives while it reads is not lost. */
function wakeable() {
  let pending = false;
  let closed = false;
  let resolve: ((v: WaitResult) => void) | null = null;
  const settle = (v: WaitResult) => {
    const r = resolve;
    resolve = null;
    r?.(v);
  };
  return {
    notify() {
      pending = true;
      settle('wake');
    },
    close() {
      closed = true;
      settle('closed');
    },
    wait(ms: number): Promise<WaitResult> {
      if (closed) return Promise.resolve('closed');
      if (pending) {
        pending = false;
        return Promise.resolve('wake');
      }
      return new Promise((done) => {
        const timer = setTimeout(() => settle('timeout'), ms);
        resolve = (v) => {
          clearTimeout(timer);
          if (v === 'wake') pending = false;
          done(v);
        };
      });
    },
  };
}

export function eventRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: deps.validationHook });
  const { db } = deps.database;
  /** A stream that fails after its 200 can only say so in-band, without the internals. */
  const guarded = (follow: (stream: SSEStreamingApi) => Promise<void>) => async (stream: SSEStreamingApi) => {
    try {
      await follow(stream);
    } catch (err) {
      deps.log.warn({ err: errorMessage(err) }, 'event stream ended by an error');
      await stream.writeSSE({ event: 'error', data: JSON.stringify({ code: 'stream_failed', message: 'the stream stopped; reconnect with Last-Event-ID' }) });
    }
  };

  const followTask = async (stream: SSEStreamingApi, taskId: string, after: number) => {
    const wake = wakeable();
    stream.onAbort(() => wake.close());
    const unsubscribe = await deps.notifications.subscribeTask(taskId, () => wake.notify());
    try {
      let last = after;
      if (last > 0) {
        // Resuming after the terminal event: nothing more will come.
        const [done] = await db
          .select({ id: taskEvents.id })
          .from(taskEvents)
          .where(and(eq(taskEvents.taskId, taskId), lte(taskEvents.id, last), inArray(taskEvents.type, [...TERMINAL])))
          .limit(1);
        if (done) return;
      }
      for (;;) {
        for (;;) {
          const rows = await db
            .select()
            .from(taskEvents)
            .where(and(eq(taskEvents.taskId, taskId), gt(taskEvents.id, last)))
            .orderBy(asc(taskEvents.id))
            .limit(REPLAY_PAGE);
          for (const r of rows) {
            const data = { id: r.id, taskId: r.taskId, accountId: r.accountId, type: r.type, at: r.at.toISOString(), data: r.data ?? null };
            await stream.writeSSE({ id: String(r.id), event: r.type, data: JSON.stringify(data) });
            last = r.id;
            if (TERMINAL.has(r.type)) return;
          }
          if (rows.length < REPLAY_PAGE || stream.aborted) break;
        }
        const why = await wake.wait(HEARTBEAT_MS);
        if (why === 'closed' || stream.aborted || deps.notifications.closed) return;
        if (why === 'timeout') await stream.write(': heartbeat\n\n');
      }
    } finally {
      unsubscribe();
    }
  };

  const followAccounts = async (stream: SSEStreamingApi, accountId: string | undefined, sinceMs: number) => {
    const wake = wakeable();
    const changed = new Set<string>();
    let resync = sinceMs > 0;
    let since = sinceMs;
    const sent = new Map<string, string>();
    stream.onAbort(() => wake.close());
    const unsubscribe = await deps.notifications.subscribeAccounts((id) => {
      if (id === null) resync = true;
      else if (!accountId || id === accountId) changed.add(id);
      else return;
      wake.notify();
    });
    const send = async (row: typeof accountStates.$inferSelect) => {
      const version = `${row.version}:${row.updatedAt.getTime()}`;
      if (sent.get(row.accountId) === version) return;
      if (sent.size >= 10_000) sent.clear();
      sent.set(row.accountId, version);
      since = Math.max(since, row.updatedAt.getTime());
      await stream.writeSSE({ id: String(row.updatedAt.getTime()), event: 'account', data: JSON.stringify(accountView(row)) });
    };
    try {
      await stream.write(': ready\n\n');
      for (;;) {
        if (resync) {
          resync = false;
          // Keyset over (updated_at, account_id) from a little before the last change seen.
          let cursor: { at: Date; id: string } = { at: new Date(since - ACCOUNT_RESUME_GRACE_MS), id: '' };
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
        if (changed.size) {
          const ids = [...changed];
          changed.clear();
          const rows = await db.select().from(accountStates).where(inArray(accountStates.accountId, ids)).orderBy(asc(accountStates.updatedAt));
          for (const r of rows) await send(r);
        }
        if (stream.aborted) return;
        const why = await wake.wait(HEARTBEAT_MS);
        if (why === 'closed' || stream.aborted || deps.notifications.closed) return;
        if (why === 'timeout') {
          await stream.write(': heartbeat\n\n');
          resync = since > 0;
        }
      }
    } finally {
      unsubscribe();
    }
  };

  app.openapi(taskEventsRoute, async (c) => {
    const { taskId } = c.req.valid('param');
    const after = lastEventId(c.req.header('last-event-id'), c.req.valid('query').lastEventId);
    const task = await getTaskRow(db, taskId);
    if (!task) throw new ApiError(404, 'task_not_found', `no task ${taskId} (a task just submitted appears within a moment)`);
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, guarded((stream) => followTask(stream, taskId, after)));
  });

  app.openapi(accountEventsRoute, async (c) => {
    const q = c.req.valid('query');
    const since = lastEventId(c.req.header('last-event-id'), q.lastEventId);
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, guarded((stream) => followAccounts(stream, q.accountId, since)));
  });

  return app;
}
