/**
 * Server-Sent Events: a task's lifecycle (replayed, then live, resumable with Last-Event-ID) and the
 * account states for the dashboard. Live delivery comes from the process's one LISTEN
 * (api/streams/notifications.ts); each stream subscribes first, then replays, so nothing falls in between.
 * Account streams get their rows from the process's one reader (api/streams/account-feed.ts), so a change costs
 * one query however many streams are open. Streams are capped per caller and per process
 * (EVENT_STREAMS_PER_KEY, EVENT_STREAMS_MAX): over a cap the answer is 429 `too_many_streams`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { SSEStreamingApi } from 'hono/streaming';
import { streamSSE } from 'hono/streaming';
import { errorMessage } from '../../activities/errors';
import { TERMINAL_STATUSES } from '../../workflows/types';
import { followAccounts } from '../streams/account-stream';
import type { AppDeps } from '../app';
import { callerId } from '../http/caller';
import { ApiError } from '../http/errors';
import type { StreamKind } from '../streams/stream-slots';
import { endedBy, taskEventsAfter } from '../queries/task-events';
import { getTaskRow } from '../queries/tasks';
import { AccountEventStreamQuery, EventStreamQuery, StreamError, TaskEvent, TaskId } from '../schemas';
import { HEARTBEAT_MS, wakeable } from '../streams/wakeable';
import { errorResponses, sse, sseMessage } from './openapi';
import { createRouter } from '../router';

const REPLAY_PAGE = 500;
const TERMINAL = new Set<string>(TERMINAL_STATUSES);

const lastEventHeader = z.object({ 'last-event-id': z.string().optional().openapi({ description: 'Resume after this event id' }) });

const TaskEventMessage = sseMessage('TaskEventMessage', "One message of a task's event stream. Comment lines (`: heartbeat`) keep the connection open at least every 15 s.", [
  {
    event: ['queued', 'started', 'progress', 'retry', 'dedupe_released', 'succeeded', 'failed', 'cancelled', 'skipped', 'deduplicated'],
    id: 'The event id (resume with Last-Event-ID)',
    data: 'TaskEvent',
    about: 'A lifecycle event; the stream ends after the terminal one (succeeded, failed, cancelled, skipped, deduplicated)',
  },
  { event: ['error'], data: 'StreamError', about: 'The stream stopped after it started; reconnect with Last-Event-ID' },
]);

const AccountEventMessage = sseMessage('AccountEventMessage', 'One message of the account stream. A `: ready` comment opens it; `: heartbeat` comments keep it open at least every 15 s.', [
  {
    event: ['account'],
    id: "The account row's change time in ms since the epoch (resume with Last-Event-ID)",
    data: 'AccountExecutionState',
    about: "An account's state after a change, as in the account lists",
  },
  { event: ['error'], data: 'StreamError', about: 'The stream stopped after it started; reconnect with Last-Event-ID' },
]);

const streamErrors = (extra: 404[] = []) =>
  errorResponses([400, 401, ...extra, 503], { 404: '`task_not_found`', 429: '`too_many_streams` (over EVENT_STREAMS_PER_KEY or EVENT_STREAMS_MAX; details.scope, details.limit), or `rate_limited`; with Retry-After' });

const taskEventsRoute = createRoute({
  method: 'get',
  path: '/api/tasks/{taskId}/events',
  operationId: 'streamTaskEvents',
  tags: ['events'],
  summary: "A task's lifecycle as Server-Sent Events",
  description:
    'Replays the task\'s events (SSE `id` = event id, `event` = type, `data` = a TaskEvent as JSON), then follows new ones and ends after the terminal one. `Last-Event-ID` (or `?lastEventId=`) resumes after that id.',
  request: { params: z.object({ taskId: TaskId }), query: EventStreamQuery, headers: lastEventHeader },
  responses: { 200: sse(TaskEventMessage, 'The event stream; the schema is one of its messages'), ...streamErrors([404]) },
});

const accountEventsRoute = createRoute({
  method: 'get',
  path: '/api/events',
  operationId: 'streamAccountEvents',
  tags: ['events'],
  summary: 'Account state changes as Server-Sent Events (for the dashboard)',
  description:
    'Each change of an account\'s state row is sent as `event: account` with the account as JSON. With `Last-Event-ID` (or `?lastEventId=`) the accounts changed since then are sent first (a few may repeat).',
  request: { query: AccountEventStreamQuery, headers: lastEventHeader },
  responses: { 200: sse(AccountEventMessage, 'The event stream; the schema is one of its messages'), ...streamErrors() },
});

function lastEventId(header: string | undefined, query: string | undefined): number {
  const raw = header?.trim() || query;
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,18}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new ApiError(400, 'invalid_last_event_id', 'Last-Event-ID must be an event id this API sent (digits)');
  }
  return Number(raw);
}

export function eventRoutes(deps: AppDeps) {
  const app = createRouter();
  const { db } = deps.database;
  // Named only inside the messages' `data` (contentSchema), so registered here.
  app.openAPIRegistry.register('TaskEvent', TaskEvent);
  app.openAPIRegistry.register('StreamError', StreamError);
  /** A stream that fails after its 200 can only say so in-band, without the internals. */
  const guarded = (follow: (stream: SSEStreamingApi) => Promise<void>) => async (stream: SSEStreamingApi) => {
    try {
      await follow(stream);
    } catch (err) {
      deps.log.warn({ err: errorMessage(err) }, 'event stream ended by an error');
      await stream.writeSSE({ event: 'error', data: JSON.stringify({ code: 'stream_failed', message: 'the stream stopped; reconnect with Last-Event-ID' }) });
    }
  };
  const { streams } = deps.notifications;
  /** A slot for one more stream of this caller, or 429; the stream gives it back when it ends. */
  const openSlot = (c: Context, kind: StreamKind) => {
    const lease = streams.open(callerId(c), kind, { perCaller: deps.config.EVENT_STREAMS_PER_KEY, total: deps.config.EVENT_STREAMS_MAX });
    if (lease.ok) return lease;
    const message = lease.scope === 'caller'
      ? `this client already holds ${lease.limit} open event streams; close one first`
      : `this server holds its maximum of ${lease.limit} open event streams; try again shortly`;
    throw new ApiError(429, 'too_many_streams', message, { scope: lease.scope, limit: lease.limit }, { 'Retry-After': '5' });
  };
  /** Serves `follow` as an event stream holding a slot until it ends. */
  const serve = (c: Context, kind: StreamKind, follow: (stream: SSEStreamingApi) => Promise<void>) => {
    const slot = openSlot(c, kind);
    c.header('X-Accel-Buffering', 'no');
    try {
      return streamSSE(c, async (stream) => {
        try {
          await guarded(follow)(stream);
        } finally {
          slot.release();
        }
      });
    } catch (err) {
      slot.release();
      throw err;
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
        if (await endedBy(db, taskId, last)) return;
      }
      for (;;) {
        for (;;) {
          const events = await taskEventsAfter(db, taskId, last, REPLAY_PAGE);
          for (const event of events) {
            await stream.writeSSE({ id: String(event.id), event: event.type, data: JSON.stringify(event) });
            streams.sent('task');
            last = event.id;
            if (TERMINAL.has(event.type)) return;
          }
          if (events.length < REPLAY_PAGE || stream.aborted) break;
        }
        const why = await wake.wait(HEARTBEAT_MS);
        if (why === 'closed' || stream.aborted || deps.notifications.closed) return;
        if (why === 'timeout') await stream.write(': heartbeat\n\n');
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
    return serve(c, 'task', (stream) => followTask(stream, taskId, after));
  });

  app.openapi(accountEventsRoute, async (c) => {
    const q = c.req.valid('query');
    const since = lastEventId(c.req.header('last-event-id'), q.lastEventId);
    return serve(c, 'account', (stream) => followAccounts({ db, notifications: deps.notifications }, stream, q.accountId, since));
  });

  return app;
}
