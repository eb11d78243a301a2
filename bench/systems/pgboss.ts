/** pg-boss with the `key_strict_fifo` queue policy and `singletonKey` = account: FIFO, one active job per key. */
import { PgBoss } from 'pg-boss';
import type { Run } from '../lib/runs';
import type { BenchSystem, Job } from './types';

export async function createPgBossSystem(connectionString: string, schema: string, concurrency: number): Promise<BenchSystem> {
  const done: Run[] = [];
  const boss = new PgBoss({ connectionString, schema, max: concurrency + 4 });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue('noop', { policy: 'key_strict_fifo', notify: true });
  await boss.work<Job>('noop', { localConcurrency: concurrency, batchSize: 1, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 5 }, async (jobs) => {
    for (const job of jobs) {
      const start = Date.now();
      done.push({ account: job.data.account, seq: job.data.seq, start, end: Date.now() });
    }
  });
  return {
    name: 'pg-boss',
    async submit(jobs) {
      // pg-boss orders a key's jobs by creation time, and one insert gives all its rows the same time: so
      // each insert carries at most one job per account (jobs arrive seq-major, so a round is one seq).
      let round: Job[] = [];
      const seen = new Set<string>();
      const flush = async () => {
        for (let i = 0; i < round.length; i += 1000) {
          await boss.insert('noop', round.slice(i, i + 1000).map((j) => ({ data: j, singletonKey: j.account })));
        }
        round = [];
        seen.clear();
      };
      for (const j of jobs) {
        if (seen.has(j.account)) await flush();
        seen.add(j.account);
        round.push(j);
      }
      await flush();
    },
    async runs() {
      return done;
    },
    async finished() {
      return done.length;
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
