/**
 * The overview keeps one hour of series and brings it up to date with the last few buckets only
 * (`GET /api/metrics/series?window=3m`): buckets are aligned to the step on the server, so a short
 * window's buckets replace the long one's at the same times, and the oldest fall off the left.
 */
import type { MetricsSeries } from '../../types';

const at = (p: { at: string }) => Date.parse(p.at);

/** `base` with `update`'s buckets laid over it, trimmed to `points` buckets. */
export function mergeSeries(base: MetricsSeries, update: MetricsSeries, points: number): MetricsSeries {
  if (base.stepSeconds !== update.stepSeconds || !update.finished.length) return base;
  const stepMs = base.stepSeconds * 1000;
  const firstNew = at(update.finished[0]!);
  const finished = [...base.finished.filter((p) => at(p) < firstNew), ...update.finished].slice(-points);
  const firstQueued = update.queued.length ? at(update.queued[0]!) : Infinity;
  // A queued point sits at its bucket's end; the last one of `base` was "now" then, between two ends.
  const queued = [...base.queued.filter((p) => at(p) < firstQueued && at(p) % stepMs === 0), ...update.queued].slice(-points);
  return { ...base, from: finished[0]?.at ?? base.from, to: update.to, finished, queued };
}

/** Finished tasks of the whole window, by outcome. */
export function totals(series: MetricsSeries): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(series.outcomes.map((o) => [o, 0]));
  for (const p of series.finished) for (const o of series.outcomes) out[o]! += (p as unknown as Record<string, number>)[o] ?? 0;
  return out;
}
