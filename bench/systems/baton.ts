/**
 * Baton in the bench process: the worker and the API's engine in-process (like the peers' workers), tasks
 * submitted as one signal per account (what POST /api/tasks/batch does), runs read from the ledger.
 */
import { and, count, eq, like, type SQL } from 'drizzle-orm';
import { loadConfig, type Config } from '../../config/env';
import { createLogger } from '../../config/logger';
import { openDatabase } from '../../db/client';
import { migrateDatabase } from '../../db/migrate';
import { tasks } from '../../db/schema';
import { buildApi } from '../../api/wiring';
import { createBatonWorker } from '../../worker/create-worker';
import { installTemporalRuntime } from '../../worker/runtime';
import type { TaskSpec } from '../../workflows/types';
import type { Run } from '../lib/runs';
import type { BenchSystem, Job } from './types';

export interface BatonSystem extends BenchSystem {
  config: Config;
  api: Awaited<ReturnType<typeof buildApi>>;
  /** The account's succeeded runs with their task ids (for the handoff's step timings). */
  runsWithIds(account: string): Promise<(Run & { taskId: string })[]>;
}

export async function createBatonSystem(env: Record<string, string>, prefix: string): Promise<BatonSystem> {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...env });
  const log = createLogger(config.LOG_LEVEL, 'bench');
  installTemporalRuntime(log);
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.BATON_DATA_DIR, poolSize: 20 });
  await migrateDatabase(database);
  const worker = await createBatonWorker({ config, database, log });
  const running = worker.run();
  const api = await buildApi({ config, database, log });
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
      const byAccount = new Map<string, TaskSpec[]>();
      const now = Date.now();
      for (const j of jobs) {
        const list = byAccount.get(j.account) ?? [];
        list.push({ taskId: `${prefix}${j.account}.${j.seq}`, type: 'sleep', payload: { ms: 0 }, submittedAtMs: now });
        byAccount.set(j.account, list);
      }
      const entries = [...byAccount.entries()];
      for (let i = 0; i < entries.length; i += 32) {
        await Promise.all(entries.slice(i, i + 32).map(([account, specs]) => api.engine.enqueue(account, specs)));
      }
    },
    async runs() {
      return (await runsWhere(and(mine, eq(tasks.status, 'succeeded'))!)).map(({ taskId: _, ...run }) => run);
    },
    runsWithIds: (account) => runsWhere(and(mine, eq(tasks.accountId, account), eq(tasks.status, 'succeeded'))!),
    async finished() {
      const [row] = await db.select({ n: count() }).from(tasks).where(and(mine, eq(tasks.status, 'succeeded')));
      return row?.n ?? 0;
    },
    async stop() {
      await worker.shutdown();
      await running.catch(() => {});
      await api.close();
      await database.close();
    },
  };
}
