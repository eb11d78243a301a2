/**
 * `GET /api/metrics/series`: tasks finished per step by outcome, and queued tasks at each step's end,
 * from the ledger (api/queries/metrics-series.ts). The dashboard's overview charts read a whole window once and
 * then only the last buckets when the live feed reports a change.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app';
import { finishedSeries, OUTCOMES, queuedSeries, type Outcome } from '../queries/metrics-series';
import { errorResponses, json } from './openapi';
import { createRouter } from '../router';

export const SERIES_LIMITS = {
  /** Narrowest bucket: finer ones cost more than they show. */
  minStepSeconds: 10,
  /** Longest window. */
  maxWindowSeconds: 24 * 3600,
  /** Most buckets in one answer. */
  maxPoints: 360,
} as const;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const DURATION = /^(\d{1,6})([smhd])$/;

/** "90s", "5m", "1h", "1d" in seconds; NaN for anything else. */
export function durationSeconds(text: string): number {
  const m = DURATION.exec(text);
  return m ? Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS] : NaN;
}

const Duration = (example: string, description: string) =>
  z.string().regex(DURATION, 'a whole number and a unit: s, m, h or d (e.g. 30s, 5m, 1h)').openapi({ example, description });

export const SeriesQuery = z
  .object({
    window: Duration('1h', 'How far back (Default: 1h); at most 24h, a whole number of steps').default('1h'),
    step: Duration('1m', `Bucket width (Default: 1m); at least ${SERIES_LIMITS.minStepSeconds}s`).default('1m'),
  })
  .superRefine((q, ctx) => {
    const window = durationSeconds(q.window);
    const step = durationSeconds(q.step);
    if (!Number.isFinite(window) || !Number.isFinite(step)) return; // the regex said so already
    if (step < SERIES_LIMITS.minStepSeconds) ctx.addIssue({ code: 'custom', path: ['step'], message: `at least ${SERIES_LIMITS.minStepSeconds}s` });
    if (window > SERIES_LIMITS.maxWindowSeconds) ctx.addIssue({ code: 'custom', path: ['window'], message: 'at most 24h' });
    if (step > 0 && window % step !== 0) ctx.addIssue({ code: 'custom', path: ['window'], message: 'a whole number of steps' });
    if (window < step) ctx.addIssue({ code: 'custom', path: ['window'], message: 'at least one step' });
    else if (step > 0 && window / step > SERIES_LIMITS.maxPoints) {
      ctx.addIssue({ code: 'custom', path: ['step'], message: `window/step is ${window / step} buckets; at most ${SERIES_LIMITS.maxPoints}` });
    }
  });

const count = z.number().int().min(0);
/** One field per outcome: `satisfies` makes the compiler hold this list to OUTCOMES. */
const outcomeCounts = { succeeded: count, failed: count, cancelled: count, skipped: count, deduplicated: count } satisfies Record<Outcome, z.ZodNumber>;

export const FinishedPoint = z
  .object({ at: z.string().openapi({ description: "The bucket's start (ISO 8601)" }), ...outcomeCounts })
  .strict()
  .openapi('FinishedPoint', { description: 'Tasks that reached each terminal status in one bucket' });

export const QueuedPoint = z
  .object({
    at: z.string().openapi({ description: "The bucket's end (ISO 8601); the last point is now" }),
    count: z.number().int().min(0).openapi({ description: 'Tasks queued at that moment (delivered or not, cooling down or scheduled included)' }),
  })
  .strict()
  .openapi('QueuedPoint');

export const MetricsSeries = z
  .object({
    window: z.string(),
    step: z.string(),
    stepSeconds: z.number().int(),
    from: z.string().openapi({ description: "The first bucket's start" }),
    to: z.string().openapi({ description: 'Now: the last bucket ends here (it is still filling)' }),
    outcomes: z.array(z.string()).openapi({ description: "The outcome fields of each finished point, in the dashboard's order" }),
    finished: z.array(FinishedPoint).openapi({ description: 'One point per bucket, oldest first' }),
    queued: z.array(QueuedPoint).openapi({ description: 'One point per bucket, oldest first' }),
  })
  .strict()
  .openapi('MetricsSeries');

const route = createRoute({
  method: 'get',
  path: '/api/metrics/series',
  operationId: 'getMetricsSeries',
  tags: ['metrics'],
  summary: 'Tasks finished per step by outcome, and queued tasks over time (from the ledger)',
  description:
    `Buckets are aligned to the step (from the Unix epoch), so a short window returns the same buckets a long one ends with. At most ${SERIES_LIMITS.maxPoints} buckets; the step is at least ${SERIES_LIMITS.minStepSeconds}s and the window at most 24h.`,
  request: { query: SeriesQuery },
  responses: { 200: json(MetricsSeries, 'The series'), ...errorResponses([400, 401, 503]) },
});

export function metricsSeriesRoutes(deps: AppDeps) {
  const app = createRouter();
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const stepSeconds = durationSeconds(q.step);
    const w = { stepSeconds, points: durationSeconds(q.window) / stepSeconds, now: new Date() };
    const { db } = deps.database;
    const [finished, queued] = await Promise.all([finishedSeries(db, w), queuedSeries(db, w)]);
    return c.json(
      {
        window: q.window,
        step: q.step,
        stepSeconds,
        from: finished[0]?.at ?? w.now.toISOString(),
        to: w.now.toISOString(),
        outcomes: [...OUTCOMES],
        finished,
        queued,
      },
      200,
    );
  });
  return app;
}
