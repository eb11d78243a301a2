/** The floor: per-account promise chains in one process, no durability, no I/O. */
import type { Run } from '../lib/runs';
import type { BenchSystem, Job } from './types';

export function createMemorySystem(): BenchSystem {
  const chains = new Map<string, Promise<void>>();
  const done: Run[] = [];
  return {
    name: 'in-memory',
    async submit(jobs: Job[]) {
      for (const job of jobs) {
        const prev = chains.get(job.account) ?? Promise.resolve();
        chains.set(job.account, prev.then(async () => {
          const start = Date.now();
          await Promise.resolve(); // the no-op task
          done.push({ account: job.account, seq: job.seq, start, end: Date.now() });
        }));
      }
    },
    async runs() {
      return done;
    },
    async finished() {
      return done.length;
    },
    async stop() {
      await Promise.all(chains.values());
    },
  };
}
