/** graphile-worker with `queueName` = account: its per-key serialization (a named queue runs one job at a time). */
import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';

/** Warnings and errors only: its default logs a line per job, which Baton (LOG_LEVEL=warn) does not pay for. */
export const quietLogger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`graphile-worker ${level}: ${message}`);
});
import type { Run } from '../lib/runs';
import type { BenchSystem, Job } from './types';

export async function createGraphileSystem(connectionString: string, schema: string, concurrency: number): Promise<BenchSystem> {
  const done: Run[] = [];
  const utils: WorkerUtils = await makeWorkerUtils({ connectionString, schema, logger: quietLogger });
  await utils.migrate();
  const runner: Runner = await run({
    connectionString,
    schema,
    concurrency,
    noHandleSignals: true,
    // New jobs wake workers through LISTEN/NOTIFY; a job whose queue was locked waits for the next poll.
    pollInterval: 200,
    logger: quietLogger,
    taskList: {
      noop: async (payload) => {
        const start = Date.now();
        const { account, seq } = payload as Job;
        done.push({ account, seq, start, end: Date.now() });
      },
    },
  });
  return {
    name: 'graphile-worker',
    async submit(jobs) {
      for (let i = 0; i < jobs.length; i += 1000) {
        await utils.addJobs(jobs.slice(i, i + 1000).map((j) => ({ identifier: 'noop', payload: j, queueName: j.account })));
      }
    },
    async runs() {
      return done;
    },
    async finished() {
      return done.length;
    },
    async stop() {
      await runner.stop();
      await utils.release();
    },
  };
}
