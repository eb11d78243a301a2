/**
 * The figures `/health` shows a caller with a key: accounts by state, tasks running and queued, what the
 * intake has not delivered yet, this process's event streams, the workers polling, version and uptime.
 * Each part is read on its own with a deadline; a part whose source does not answer is `null`, so the
 * figures never hold up or change the readiness answer beside them.
 */
import { sql } from 'drizzle-orm';
import { z } from '@hono/zod-openapi';
import type { Database } from '../../db/client';
import { tasks } from '../../db/schema';
import { accountsByState } from '../queries/accounts-by-state';
import type { StreamStats } from '../streams/stream-slots';
import packageJson from '../../package.json' with { type: 'json' };

/** Workers polling the task queue, by the kind of task they poll for (Temporal's DescribeTaskQueue). */
export interface WorkerPollers {
  workflow: number;
  activity: number;
}

export interface HealthFigureSources {
  database: Database;
  streams: StreamStats;
  /** Absent when the process has no Temporal connection to ask. */
  workerPollers?: () => Promise<WorkerPollers>;
}

const ACCOUNT_STATES = ['AVAILABLE', 'RUNNING', 'COOLDOWN', 'SUSPENDED'] as const;
const count = z.number().int().min(0);
const perKind = z.object({ task: count, account: count }).strict();

export const HealthFigures = z
  .object({
    accounts: z
      .object({
        total: count,
        byState: z.object(Object.fromEntries(ACCOUNT_STATES.map((s) => [s, count])) as Record<(typeof ACCOUNT_STATES)[number], typeof count>).strict(),
      })
      .strict()
      .nullable()
      .openapi({ description: 'Tracked accounts by state (the Postgres projection); null when Postgres did not answer' }),
    tasks: z
      .object({
        running: count,
        queued: count,
        undelivered: count.openapi({ description: 'Acknowledged (202) and queued, not yet handed to their workflow by a relay' }),
        oldestUndeliveredSeconds: z.number().min(0).openapi({ description: 'Age of the oldest undelivered one (0 when none): alert when it grows' }),
      })
      .strict()
      .nullable()
      .openapi({ description: 'Live tasks in the ledger; null when Postgres did not answer' }),
    streams: z
      .object({ open: perKind, eventsSent: perKind })
      .strict()
      .openapi({ description: 'Server-Sent Event streams of this API process: open now, and events sent since it started' }),
    workers: z
      .object({ workflow: count, activity: count })
      .strict()
      .nullable()
      .openapi({ description: 'Workers polling the task queue for workflow and for activity tasks; null when Temporal did not answer' }),
    version: z.string().openapi({ description: "Baton's version (package.json)" }),
    uptimeSeconds: z.number().min(0).openapi({ description: 'Since this API process started' }),
  })
  .strict()
  .openapi('HealthFigures');
export type HealthFigures = z.infer<typeof HealthFigures>;

/** `read()`, or null when it fails or takes longer than `ms`. */
async function within<T>(ms: number, read: () => Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([read(), new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)))]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

async function accountFigures(database: Database): Promise<HealthFigures['accounts']> {
  const rows = await accountsByState(database.db);
  const byState = Object.fromEntries(ACCOUNT_STATES.map((s) => [s, 0])) as Record<(typeof ACCOUNT_STATES)[number], number>;
  let total = 0;
  for (const r of rows) {
    total += r.n;
    if (r.state in byState) byState[r.state as keyof typeof byState] = r.n;
  }
  return { total, byState };
}

async function taskFigures(database: Database): Promise<HealthFigures['tasks']> {
  // Live rows only: the partial and status indexes keep this cheap however long the ledger's history.
  const [row] = await database.db
    .select({
      running: sql<number>`count(*) filter (where ${tasks.status} = 'running')`.mapWith(Number),
      queued: sql<number>`count(*) filter (where ${tasks.status} = 'queued')`.mapWith(Number),
      undelivered: sql<number>`count(*) filter (where ${tasks.status} = 'queued' and ${tasks.deliveredAt} is null)`.mapWith(Number),
      oldest: sql<number>`coalesce(extract(epoch from now() - min(${tasks.createdAt}) filter (where ${tasks.status} = 'queued' and ${tasks.deliveredAt} is null)), 0)`.mapWith(Number),
    })
    .from(tasks)
    .where(sql`${tasks.status} in ('queued', 'running')`);
  return { running: row?.running ?? 0, queued: row?.queued ?? 0, undelivered: row?.undelivered ?? 0, oldestUndeliveredSeconds: Math.max(0, row?.oldest ?? 0) };
}

/** Reads every part at once, each within `ms`. */
export function createHealthFigures(sources: HealthFigureSources, ms: number): () => Promise<HealthFigures> {
  return async () => {
    const [accounts, taskCounts, workers] = await Promise.all([
      within(ms, () => accountFigures(sources.database)),
      within(ms, () => taskFigures(sources.database)),
      sources.workerPollers ? within(ms, sources.workerPollers) : Promise.resolve(null),
    ]);
    const { open, sent } = sources.streams;
    return {
      accounts,
      tasks: taskCounts,
      streams: { open: { ...open }, eventsSent: { ...sent } },
      workers,
      version: packageJson.version,
      uptimeSeconds: Math.round(process.uptime()),
    };
  };
}
