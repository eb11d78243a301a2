/** @jsxImportSource hono/jsx/dom */
/**
 * An account's last tasks on one time axis (`GET /api/accounts/{id}/timeline`): a thin bar while a
 * task waits, a thick one while it runs, coloured by how the run ended (pink: rate limited and queued
 * again), and the account's cooldowns as shaded bands across every row. One-at-a-time shows as thick
 * bars that never overlap; backoff as the gaps the bands fill.
 *
 * Plain SVG rather than uPlot: these are ranges with their own start and end per row (a Gantt chart),
 * not values on a shared x axis, and each bar is a link with a title, which a canvas cannot be.
 */
import { useEffect, useRef, useState } from 'hono/jsx/dom';
import { api, ApiFailure, ok } from '../../api';
import { duration, shortId } from '../../format';
import { useAccountFeed, useLoad, useThrottle } from '../../hooks';
import { taskHref } from '../../router';
import type { AccountTimeline as Timeline } from '../../types';
import { ErrorNote } from '../common';
import { OUTCOME_LABEL } from './chart-colors';

const LIMIT = 20;
const ROW = 22;
const AXIS = 22;
const LABEL = 150;
const PAD = 8;

type TimelineTask = Timeline['tasks'][number];
type Segment = TimelineTask['segments'][number];

const ms = (iso: string) => Date.parse(iso);
const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** The class of a stretch: waiting, running now, run that was rate limited, or the run that ended the task. */
function segmentClass(task: TimelineTask, seg: Segment, i: number): string {
  if (seg.state === 'queued') return 'seg-queued';
  if (seg.to === null) return 'seg-running';
  return i === task.segments.length - 1 && task.status !== 'queued' && task.status !== 'running' ? `seg-${task.status}` : 'seg-requeued';
}

function describe(task: TimelineTask, now: number): string {
  const waited = task.segments.filter((s) => s.state === 'queued').reduce((a, s) => a + ((s.to ? ms(s.to) : now) - ms(s.from)), 0);
  const ran = task.segments.filter((s) => s.state === 'running').reduce((a, s) => a + ((s.to ? ms(s.to) : now) - ms(s.from)), 0);
  const runs = task.segments.filter((s) => s.state === 'running').length;
  return `${task.type} ${shortId(task.taskId)}: ${OUTCOME_LABEL[task.status] ?? task.status}; waited ${duration(waited)}, ran ${duration(ran)}${runs > 1 ? ` in ${runs} runs` : ''}`;
}

function useWidth(): [(el: HTMLDivElement | null) => void, number] {
  const [width, setWidth] = useState(800);
  const observer = useRef<ResizeObserver | null>(null);
  useEffect(() => () => observer.current?.disconnect(), []);
  const ref = (el: HTMLDivElement | null) => {
    observer.current?.disconnect();
    if (!el) return;
    observer.current = new ResizeObserver(() => setWidth(Math.max(320, Math.floor(el.clientWidth))));
    observer.current.observe(el);
  };
  return [ref, width];
}

export function AccountTimeline({ accountId, now }: { accountId: string; now: number }) {
  const timeline = useLoad(() => ok(api.GET('/api/accounts/{accountId}/timeline', { params: { path: { accountId }, query: { limit: LIMIT } } })), []);
  const reload = useThrottle(timeline.reload, 1000);
  useAccountFeed((batch, resync) => {
    if (resync || batch.some((a) => a.accountId === accountId)) reload();
  });
  const [boxRef, width] = useWidth();
  const data = timeline.data;
  // An account the ledger does not know yet has no timeline; the page says so already.
  if (!data && (!timeline.error || (timeline.error instanceof ApiFailure && timeline.error.status === 404))) return null;
  if (!data) return <ErrorNote error={timeline.error} />;

  const tasks = data.tasks;
  const end = Math.max(now, ms(data.to));
  // The axis spans the tasks; an older cooldown that lasted into it shows from its left edge.
  const start = Math.min(end - 10_000, ...tasks.map((t) => ms(t.createdAt)));
  const span = Math.max(1, end - start);
  const plotW = Math.max(100, width - LABEL - PAD * 2);
  const x = (t: number) => LABEL + PAD + ((Math.min(Math.max(t, start), end) - start) / span) * plotW;
  const height = AXIS + tasks.length * ROW + 4;
  const ticks = Array.from({ length: 5 }, (_, i) => start + (span * i) / 4);
  const cooling = data.cooldowns.map((c) => ({ ...c, endMs: c.endedAt ? ms(c.endedAt) : Math.min(ms(c.until), end) }));

  return (
    <section aria-labelledby="timeline-h" class="card account-timeline" data-testid="account-timeline" data-tasks={tasks.length} data-cooldowns={data.cooldowns.length}>
      <div class="section-head">
        <h2 id="timeline-h">Timeline</h2>
        <ul class="chart-legend" aria-label="Legend">
          <li><span class="swatch swatch-queued" aria-hidden="true" />queued</li>
          <li><span class="swatch swatch-running" aria-hidden="true" />running</li>
          <li><span class="swatch swatch-requeued" aria-hidden="true" />rate limited, queued again</li>
          <li><span class="swatch swatch-succeeded" aria-hidden="true" />succeeded</li>
          <li><span class="swatch swatch-failed" aria-hidden="true" />failed</li>
          <li><span class="swatch swatch-skipped" aria-hidden="true" />skipped</li>
          <li><span class="swatch swatch-cooldown" aria-hidden="true" />cooldown</li>
        </ul>
      </div>
      <ErrorNote error={timeline.error} />
      {tasks.length === 0 ? (
        <p class="muted">No tasks yet.</p>
      ) : (
        <div class="account-timeline-box" ref={boxRef}>
          <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="group" aria-label={`The last ${tasks.length} tasks of ${accountId} on a time axis, newest at the top`}>
            {ticks.map((t, i) => (
              <g>
                <line class="grid-line" x1={x(t)} x2={x(t)} y1={AXIS - 4} y2={height} />
                <text class="axis-label" x={x(t)} y={12} text-anchor={i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'}>
                  {clock(t)}
                </text>
              </g>
            ))}
            {cooling.map((c) => (
              <rect class="cooldown" data-testid="timeline-cooldown" x={x(ms(c.from))} y={AXIS - 4} width={Math.max(1, x(c.endMs) - x(ms(c.from)))} height={height - AXIS + 4}>
                <title>{`Cooldown ${clock(ms(c.from))} – ${clock(c.endMs)}${c.reason ? ` (${c.reason})` : ''}`}</title>
              </rect>
            ))}
            {tasks.map((task, row) => {
              const y = AXIS + row * ROW;
              return (
                <a href={taskHref(task.taskId)} data-testid="timeline-row" data-task-id={task.taskId} data-status={task.status} data-segments={task.segments.map((s) => s.state).join(',')}>
                  <title>{describe(task, end)}</title>
                  <text class="row-label" x={0} y={y + ROW / 2 + 4}>{`${task.type} ${shortId(task.taskId)}`.slice(0, 22)}</text>
                  {task.segments.map((seg, i) => {
                    const from = x(ms(seg.from));
                    const to = x(seg.to ? ms(seg.to) : end);
                    const thick = seg.state === 'running';
                    return <rect class={segmentClass(task, seg, i)} x={from} y={y + (thick ? 3 : 8)} width={Math.max(2, to - from)} height={thick ? ROW - 6 : 6} rx={2} />;
                  })}
                </a>
              );
            })}
            <line class="now-line" x1={x(end)} x2={x(end)} y1={AXIS - 4} y2={height} />
          </svg>
        </div>
      )}
    </section>
  );
}
