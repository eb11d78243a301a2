/** @jsxImportSource hono/jsx/dom */
/**
 * The overview's pictures: tasks finished per minute by outcome over the last hour (stacked bars), and
 * queued tasks over the same hour (a line). One full read of `GET /api/metrics/series` when the page
 * opens; after that every batch of the live account feed (a task that starts or ends changes its
 * account) reads only the last three buckets and lays them over the hour (series-merge.ts). A slow
 * timer does the same when nothing happens, so the hour keeps moving.
 */
import { useEffect, useMemo, useRef, useState } from 'hono/jsx/dom';
import uPlot from 'uplot';
import { api, ok } from '../../api';
import { useAccountFeed, useAlive, useLoad, useThrottle } from '../../hooks';
import type { MetricsSeries } from '../../types';
import { ErrorNote } from '../common';
import { chartColor, OUTCOME_LABEL } from './chart-colors';
import { mergeSeries, totals } from './series-merge';
import { UplotChart } from './uplot-chart';

const WINDOW = { window: '1h', step: '1m' } as const;
const POINTS = 60;
/** What a live update reads: the bucket filling now and two before it (one may have closed meanwhile). */
const RECENT = { window: '3m', step: '1m' } as const;
const QUIET_REFRESH_MS = 30_000;

const seconds = (iso: string) => Date.parse(iso) / 1000;
const count = (p: object, outcome: string) => (p as Record<string, number>)[outcome] ?? 0;
const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function axes(): uPlot.Axis[] {
  const axis = { stroke: chartColor('axis', '#4a5568'), grid: { stroke: chartColor('grid', '#e2e8f0'), width: 1 }, ticks: { show: false } };
  // Whole tasks only: no 0.5 on the count axis.
  return [axis, { ...axis, size: 44, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) }];
}

function finishedOptions(outcomes: string[], stepSeconds: number, onHover: (idx: number | null) => void): Omit<uPlot.Options, 'width' | 'height'> {
  const bars = uPlot.paths.bars!({ size: [0.8, 48], align: 1 });
  // Stacked: each series is its outcome plus every one before it, drawn tallest first so each shows
  // its own band on top of the ones below.
  const stacked = [...outcomes].reverse().map((o) => ({ label: OUTCOME_LABEL[o] ?? o, fill: chartColor(o), stroke: chartColor(o), width: 0, paths: bars, points: { show: false } }));
  return {
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    // A bar starts at its bucket's start: the axis runs to the end of the last bucket, or the newest bar is cut off.
    scales: { x: { time: true, range: (_u, min, max) => [min, max + stepSeconds] }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
    axes: axes(),
    series: [{}, ...stacked],
    hooks: { setCursor: [(u) => onHover(u.cursor.idx ?? null)] },
  };
}

function queuedOptions(stepSeconds: number): Omit<uPlot.Options, 'width' | 'height'> {
  const color = chartColor('queued', '#1d4ed8');
  return {
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    // The same span as the bars: points sit at bucket ends, from the first bucket's end to now.
    scales: {
      x: { time: true, range: (_u, min, max) => [min - stepSeconds, Math.ceil(max / stepSeconds) * stepSeconds] },
      y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] },
    },
    axes: axes(),
    series: [{}, { label: 'Queued', stroke: color, fill: chartColor('queued-fill', 'rgba(29, 78, 216, 0.15)'), width: 2, points: { show: false } }],
  };
}

function finishedData(s: MetricsSeries): uPlot.AlignedData {
  const xs = s.finished.map((p) => seconds(p.at));
  const running = s.finished.map(() => 0);
  const layers = s.outcomes.map((o) => s.finished.map((p, i) => (running[i]! += count(p, o))));
  return [xs, ...layers.reverse()];
}

export function ActivityCharts() {
  const full = useLoad(() => ok(api.GET('/api/metrics/series', { params: { query: WINDOW } })), []);
  const [series, setSeries] = useState<MetricsSeries | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const [updates, setUpdates] = useState(0);
  const alive = useAlive();
  useEffect(() => {
    if (full.data) setSeries(full.data);
  }, [full.data]);

  const recent = useThrottle(() => {
    ok(api.GET('/api/metrics/series', { params: { query: RECENT } })).then(
      (latest) => {
        if (!alive()) return;
        setSeries((s) => (s ? mergeSeries(s, latest, POINTS) : s));
        setUpdates((n) => n + 1);
      },
      () => {}, // the next change or tick tries again; the full read shows errors
    );
  }, 1000);
  useAccountFeed((_batch, resync) => (resync ? full.reload() : recent()));
  useEffect(() => {
    const id = setInterval(recent, QUIET_REFRESH_MS);
    return () => clearInterval(id);
  }, []);

  const hoverRef = useRef(setHover);
  hoverRef.current = setHover;
  // Made once: uPlot reads its options when the chart is built.
  const outcomes = series?.outcomes ?? [];
  const finishedOpts = useMemo(() => (outcomes.length ? finishedOptions(outcomes, series!.stepSeconds, (i) => hoverRef.current(i)) : null), [outcomes.join()]);
  const queuedOpts = useMemo(() => (series ? queuedOptions(series.stepSeconds) : null), [series?.stepSeconds]);

  // New arrays only when the series changes: a hover re-renders the page, and must not redraw the charts.
  const barsData = useMemo(() => (series ? finishedData(series) : null), [series]);
  const lineData = useMemo<uPlot.AlignedData | null>(() => (series ? [series.queued.map((p) => seconds(p.at)), series.queued.map((p) => p.count)] : null), [series]);
  const sums = series ? totals(series) : {};
  const finishedTotal = Object.values(sums).reduce((a, b) => a + b, 0);
  const latestQueued = series?.queued[series.queued.length - 1]?.count ?? 0;
  const peakQueued = series ? Math.max(0, ...series.queued.map((p) => p.count)) : 0;
  const hovered = hover !== null && series ? series.finished[hover] : undefined;

  return (
    <section aria-labelledby="activity-h" class="card activity" data-testid="activity-charts" data-updates={updates}>
      <div class="section-head">
        <h2 id="activity-h">Last hour</h2>
        <span class="muted small-print">per minute, from the ledger; live</span>
      </div>
      <ErrorNote error={full.error} />
      {series && finishedOpts && queuedOpts && barsData && lineData ? (
        <div class="charts">
          <figure class="chart-figure">
            <figcaption>
              Tasks finished per minute <span class="muted">({finishedTotal} in the hour)</span>
            </figcaption>
            <UplotChart
              options={finishedOpts}
              data={barsData}
              height={180}
              testid="chart-finished"
              label={`Tasks finished per minute over the last hour: ${series.outcomes.map((o) => `${sums[o]} ${o}`).join(', ')}`}
              attrs={{ 'data-total': finishedTotal, 'data-points': series.finished.length }}
            />
            <ul class="chart-legend" aria-label="Finished in the last hour, by outcome">
              {series.outcomes.map((o) => (
                <li data-testid={`legend-${o}`} data-count={sums[o] ?? 0}>
                  <span class={`swatch swatch-${o}`} aria-hidden="true" />
                  {OUTCOME_LABEL[o] ?? o} <strong>{sums[o] ?? 0}</strong>
                </li>
              ))}
            </ul>
            <p class="chart-readout muted small-print" aria-live="off" data-testid="chart-readout">
              {hovered
                ? `${clock(hovered.at)}: ${series.outcomes.filter((o) => count(hovered, o)).map((o) => `${count(hovered, o)} ${o}`).join(' · ') || 'none finished'}`
                : 'Point at a bar for its minute.'}
            </p>
          </figure>
          <figure class="chart-figure">
            <figcaption>
              Queued tasks <span class="muted">(now {latestQueued}, peak {peakQueued})</span>
            </figcaption>
            <UplotChart
              options={queuedOpts}
              data={lineData}
              height={180}
              testid="chart-queued"
              label={`Queued tasks over the last hour: ${latestQueued} now, at most ${peakQueued}`}
              attrs={{ 'data-latest': latestQueued, 'data-points': series.queued.length }}
            />
          </figure>
        </div>
      ) : full.loading ? (
        <p class="muted">Loading the last hour…</p>
      ) : null}
    </section>
  );
}
