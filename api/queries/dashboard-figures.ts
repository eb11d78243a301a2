/** `GET /api/metrics`'s figures from the ledger: tasks by status, and the last 24 hours of interactions. */
import type { z } from '@hono/zod-openapi';
import { and, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { interactionEvents, tasks } from '../../db/schema';
import type { DashboardMetrics } from '../schemas';

const e = interactionEvents;
const METRICS_WINDOW_HOURS = 24;
const since = sql`now() - interval '24 hours'`;

/** Tasks by status, and the last 24 hours of interactions: by status, dedupe hit rate, latency by action. */
export async function dashboardMetrics(db: Db): Promise<Omit<z.infer<typeof DashboardMetrics>, 'dedupeKeys'>> {
  const [taskRows, statusRows, latencyRows] = await Promise.all([
    db.select({ status: tasks.status, n: sql<number>`count(*)`.mapWith(Number) }).from(tasks).groupBy(tasks.status),
    db
      .select({ status: e.status, n: sql<number>`count(*)`.mapWith(Number) })
      .from(e)
      .where(sql`${e.ts} >= ${since}`)
      .groupBy(e.status),
    db
      .select({
        action: e.action,
        n: sql<number>`count(*)`.mapWith(Number),
        p50: sql<number | null>`percentile_cont(0.5) WITHIN GROUP (ORDER BY ${e.latencyMs})`,
        p95: sql<number | null>`percentile_cont(0.95) WITHIN GROUP (ORDER BY ${e.latencyMs})`,
      })
      .from(e)
      .where(and(sql`${e.ts} >= ${since}`, sql`${e.latencyMs} IS NOT NULL`))
      .groupBy(e.action)
      .orderBy(e.action),
  ]);
  const byStatus = Object.fromEntries(statusRows.map((r) => [r.status, r.n]));
  const success = byStatus.success ?? 0;
  const hits = byStatus.dedupe_hit ?? 0;
  const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);
  return {
    generatedAt: new Date().toISOString(),
    tasks: { byStatus: Object.fromEntries(taskRows.map((r) => [r.status, r.n])) },
    interactions: {
      windowHours: METRICS_WINDOW_HOURS,
      byStatus,
      dedupeHitRate: success + hits > 0 ? hits / (success + hits) : null,
      latencyByAction: latencyRows.map((r) => ({ action: r.action, count: r.n, p50Ms: num(r.p50), p95Ms: num(r.p95) })),
    },
  };
}
