/** @jsxImportSource hono/jsx/dom */
/** One task, following its event stream live: status, progress, every event, and the outcome. */
import { useEffect, useState } from 'hono/jsx/dom';
import { api, ApiFailure, enc, ok } from '../api';
import { StatusBadge } from '../components/badges';
import { CancelButton } from '../components/cancel-button';
import { ErrorNote, Json, Time } from '../components/common';
import { Field } from '../components/field';
import { duration, shortId, taskDuration } from '../format';
import { useLoad, useNow, useThrottle } from '../hooks';
import { accountHref } from '../router';
import { followSse, type StreamState } from '../sse';
import { LIVE_STATUSES, type TaskEvent } from '../types';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'skipped', 'deduplicated']);
const STREAM_TEXT: Record<StreamState, string> = {
  connecting: 'Connecting to the task’s events…',
  live: 'Following live',
  down: 'Event stream down, reconnecting…',
  ended: 'Finished: every event is shown',
};

/** A handler's progress as a fraction, when it reported one in a usual shape. */
function progressFraction(data: Record<string, unknown> | null): number | null {
  if (!data) return null;
  for (const k of ['fraction', 'progress', 'percent']) {
    const v = data[k];
    if (typeof v === 'number' && Number.isFinite(v)) return k === 'percent' || v > 1 ? Math.min(1, v / 100) : Math.max(0, v);
  }
  const done = data.done ?? data.current;
  const total = data.total;
  return typeof done === 'number' && typeof total === 'number' && total > 0 ? Math.min(1, done / total) : null;
}

function eventSummary(e: TaskEvent): string {
  const d = e.data ?? {};
  const error = d.error as { code?: string; message?: string } | undefined;
  if (error?.message) return `${error.code ?? 'error'}: ${error.message}`;
  if (typeof d.message === 'string') return d.message + (typeof d.retryAfterMs === 'number' ? ` (retry after ${duration(d.retryAfterMs)})` : '');
  if (typeof d.reason === 'string') return d.reason;
  if (e.type === 'started' && typeof d.attempt === 'number') return `attempt ${d.attempt}`;
  if (Object.keys(d).length) return JSON.stringify(d);
  return '';
}

export function TaskPage({ taskId }: { taskId: string }) {
  const task = useLoad(() => ok(api.GET('/api/tasks/{taskId}', { params: { path: { taskId } } })), []);
  const [events, setEvents] = useState<TaskEvent[]>([]);
  const [stream, setStream] = useState<{ state: StreamState; detail?: string | undefined }>({ state: 'connecting' });
  const refresh = useThrottle(task.reload, 250);

  useEffect(() => {
    const conn = followSse({
      url: `/api/tasks/${enc(taskId)}/events`,
      onState: (state, detail) => setStream({ state, detail }),
      onMessage(m) {
        try {
          const event = JSON.parse(m.data) as TaskEvent;
          if (typeof event.id !== 'number') return;
          setEvents((list) => (list.some((x) => x.id === event.id) ? list : [...list, event]));
          refresh();
        } catch {
          // an `error` message of the stream itself: the follower reconnects
        }
      },
      isFinal: (m) => TERMINAL.has(m.event),
      // A task just submitted is recorded a moment later; a restarting API answers 5xx.
      retryOnStatus: (status) => status === 404 || status >= 500 || status === 429,
    });
    return () => conn.close();
  }, [taskId]);

  // Until the ledger has the task (a moment after submission), try again.
  const notYet = task.error instanceof ApiFailure && task.error.status === 404;
  useEffect(() => {
    if (!notYet) return;
    const id = setTimeout(task.reload, 500);
    return () => clearTimeout(id);
  }, [notYet, task.error]);

  const t = task.data;
  const now = useNow(500, t?.status === 'running');
  const lastProgress = [...events].reverse().find((e) => e.type === 'progress');
  const fraction = lastProgress ? progressFraction(lastProgress.data) : null;
  const d = t ? taskDuration(t, now) : null;
  return (
    <section aria-labelledby="task-h" data-testid="task-page" data-task-id={taskId}>
      <p class="crumbs">
        <a href="#/tasks">Tasks</a> / task
      </p>
      <div class="page-head">
        <h1 id="task-h" tabindex={-1} title={taskId}>
          Task {shortId(taskId)}
        </h1>
        {t ? <StatusBadge status={t.status} /> : null}
        {t && LIVE_STATUSES.includes(t.status) ? <CancelButton taskId={taskId} onDone={task.reload} /> : null}
      </div>
      <p class={`stream stream-${stream.state}`} role="status" data-testid="task-stream" data-state={stream.state} title={stream.detail ?? ''}>
        <span class="dot" aria-hidden="true" />
        {STREAM_TEXT[stream.state]}
        {stream.state === 'ended' && stream.detail ? `: ${stream.detail}` : ''}
      </p>
      {notYet ? (
        <p class="note" role="status">
          Waiting for the task to be recorded…
        </p>
      ) : (
        <ErrorNote error={task.error} />
      )}
      {t ? (
        <div class="card summary">
          <dl class="facts">
            <div>
              <dt>Account</dt>
              <dd>
                <a href={accountHref(t.accountId)} data-testid="task-account">
                  {t.accountId}
                </a>
              </dd>
            </div>
            <div>
              <dt>Type</dt>
              <dd>{t.type}</dd>
            </div>
            {t.status === 'queued' ? (
              <div>
                <dt>Waiting</dt>
                <dd data-testid="task-waiting">
                  {typeof t.position === 'number' ? `position ${t.position}` : 'queued'}
                  {t.waitingReason ? `, ${t.waitingReason.replace('_', ' ')}` : ''}
                </dd>
              </div>
            ) : null}
            <div>
              <dt>Attempts</dt>
              <dd data-testid="task-attempts">{t.attempts}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>
                <Time iso={t.createdAt} />
              </dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>
                <Time iso={t.startedAt} />
              </dd>
            </div>
            <div>
              <dt>Finished</dt>
              <dd>
                <Time iso={t.finishedAt} />
              </dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd data-testid="task-duration">{d === null ? '—' : duration(d)}</dd>
            </div>
            {t.dedupeKey ? (
              <div>
                <dt>Dedupe key</dt>
                <dd>{t.dedupeKey}</dd>
              </div>
            ) : null}
            {t.priority ? (
              <div>
                <dt>Priority</dt>
                <dd>{t.priority}</dd>
              </div>
            ) : null}
            {t.duplicateOf ? (
              <div>
                <dt>Duplicate of</dt>
                <dd>
                  <a href={`#/tasks/${enc(t.duplicateOf)}`}>{shortId(t.duplicateOf)}</a>
                </dd>
              </div>
            ) : null}
          </dl>
          {fraction !== null && t.status === 'running' ? (
            <Field id="task-progress" label="Progress">
              {(aria) => (
                <progress {...aria} max={1} value={fraction} data-testid="task-progress">
                  {Math.round(fraction * 100)} %
                </progress>
              )}
            </Field>
          ) : null}
          {t.error ? (
            <p class="note note-error" data-testid="task-error">
              <strong>{t.error.code}</strong>: {t.error.message}
            </p>
          ) : null}
          {t.result !== undefined ? (
            <div data-testid="task-result">
              <h2>Result</h2>
              <Json value={t.result} />
            </div>
          ) : null}
          <details>
            <summary>Payload</summary>
            <Json value={t.payload} />
          </details>
        </div>
      ) : null}
      <section aria-labelledby="events-h" class="card">
        <h2 id="events-h">Events</h2>
        {events.length === 0 ? <p class="muted">No events yet.</p> : null}
        <ol class="timeline" data-testid="task-events">
          {events.map((e) => (
            <li key={e.id} data-testid="task-event" data-type={e.type}>
              <span class={`badge status-${e.type}`}>{e.type}</span> <Time iso={e.at} /> <span class="muted">{eventSummary(e)}</span>
            </li>
          ))}
        </ol>
      </section>
    </section>
  );
}
