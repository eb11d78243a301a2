/** graphile-worker with `queueName` = account: its per-key serialization (a named queue runs one job at a time). */
import { makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import type { Run } from '../lib/runs';
import type { BenchSystem, Job } from './types';

export async function createGraphileSystem(connectionString: string, schema: string, concurrency: number): Promise<BenchSystem> {
  const done: Run[] = [];
  const utils: WorkerUtils = await makeWorkerUtils({ connectionString, schema });
  await utils.migrate();
  const runner: Runner = await run({
    connectionString,
    schema,
    concurrency,
    noHandleSignals: true,
    // New jobs wake workers through LISTEN/NOTIFY; a job whose queue was locked waits for the next poll.
    pollInterval: 200,
    logger: undefined,
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
