/**
 * Baton in the bench process: the worker and the API in-process (like the peers' workers), the API
 * listening on 127.0.0.1 and tasks submitted through its intake over HTTP, `POST /api/tasks/batch` with
 * up to 1,000 tasks a request (one ledger transaction each), in the order given; the API's relay delivers
 * them to the account workflows. Runs are read from the ledger.
 *
 * HTTP rather than calling `storeSubmissions` directly: it is the path clients take (validation, the
 * storable check, the relay's kick) and costs one request per 1,000 tasks, so little of the run's time.
 */
import { and, count, eq, like, sql, type SQL } from 'drizzle-orm';
import { loadConfig, type Config } from '../../config/env';
import { createLogger } from '../../config/logger';
import { openDatabase } from '../../db/client';
import { migrateDatabase } from '../../db/migrate';
import { tasks } from '../../db/schema';
import { listen } from '../../api/listen';
import { buildApi } from '../../api/wiring';
import { createBatonWorker } from '../../worker/create-worker';
import { installTemporalRuntime } from '../../worker/runtime';
import type { Run } from '../lib/runs';
import type { BenchSystem, Job } from './types';

export interface BatonSystem extends BenchSystem {
  config: Config;
  api: Awaited<ReturnType<typeof buildApi>>;
  /**
   * How the relay delivered the tasks whose ids start with `idPrefix`: signals (one per account per
   * delivery: its tasks share their delivered_at), tasks per signal, 202 → delivered, and when the
   * first and the last task was acknowledged, delivered, started and finished (s after the first 202).
   */
  deliveries(idPrefix: string): Promise<Record<string, number>>;
  /** The account's succeeded runs with their task ids (for the handoff's step timings). */
  runsWithIds(account: string): Promise<(Run & { taskId: string })[]>;
}

export async function createBatonSystem(env: Record<string, string>, prefix: string): Promise<BatonSystem> {
  const config = loadConfig({ LOG_LEVEL: 'warn', API_RATE_LIMIT_RPS: '0', ...env });
  const log = createLogger(config.LOG_LEVEL, 'bench');
  installTemporalRuntime(log);
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.BATON_DATA_DIR, poolSize: 20 });
  await migrateDatabase(database);
  const worker = await createBatonWorker({ config, database, log });
  const running = worker.run();
  const api = await buildApi({ config, database, log });
  const server = await listen(api.app.fetch, '127.0.0.1', 0);
  const { db } = database;
  const mine = like(tasks.taskId, `${prefix}%`);
  const runsWhere = async (where: SQL) => {
    const rows = await db.select({ taskId: tasks.taskId, accountId: tasks.accountId, startedAt: tasks.startedAt, finishedAt: tasks.finishedAt })
      .from(tasks).where(where);
    return rows.map((r) => ({
      taskId: r.taskId,
      account: r.accountId,
      seq: Number(r.taskId.slice(r.taskId.lastIndexOf('.') + 1)),
      start: r.startedAt!.getTime(),
      end: r.finishedAt!.getTime(),
    }));
  };
  return {
    name: 'baton',
    config,
    api,
    async submit(jobs: Job[]) {
      for (let i = 0; i < jobs.length; i += 1000) {
        const batch = jobs.slice(i, i + 1000).map((j) => ({ accountId: j.account, taskId: `${prefix}${j.account}.${j.seq}`, type: 'sleep', payload: { ms: 0 } }));
        const res = await fetch(`${server.url}/api/tasks/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tasks: batch }) });
        const answer = (await res.json()) as { results?: { error?: unknown }[] };
        const refused = answer.results?.filter((r) => r.error) ?? [];
        if (res.status !== 202 || refused.length) throw new Error(`baton: batch answered ${res.status}: ${JSON.stringify(refused[0] ?? answer).slice(0, 500)}`);
      }
    },
    async runs() {
      return (await runsWhere(and(mine, eq(tasks.status, 'succeeded'))!)).map(({ taskId: _, ...run }) => run);
    },
    async deliveries(idPrefix) {
      const result = await db.execute(sql`SELECT count(*)::int AS tasks, count(DISTINCT (account_id, delivered_at))::int AS signals,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - created_at)) * 1000 AS lag_p50,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - created_at)) * 1000 AS lag_p99,
           extract(epoch FROM max(created_at) - min(created_at)) AS last_acknowledged,
           extract(epoch FROM max(delivered_at) - min(created_at)) AS last_delivered,
           extract(epoch FROM min(started_at) - min(created_at)) AS first_started,
           extract(epoch FROM max(finished_at) - min(created_at)) AS last_finished
         FROM tasks WHERE task_id LIKE ${`${prefix}${idPrefix}%`}`);
      const rows = (result as unknown as { rows: Record<string, unknown>[] }).rows;
      const r = Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
      return { ...r, tasksPerSignal: r.tasks! / Math.max(1, r.signals!) };
    },
    runsWithIds: (account) => runsWhere(and(mine, eq(tasks.accountId, account), eq(tasks.status, 'succeeded'))!),
    async finished() {
      const [row] = await db.select({ n: count() }).from(tasks).where(and(mine, eq(tasks.status, 'succeeded')));
      return row?.n ?? 0;
    },
    async stop() {
      await worker.shutdown();
      await running.catch(() => {});
      await api.closeStreams();
      await server.close();
      await api.close();
      await database.close();
    },
  };
}
