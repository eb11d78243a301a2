/** A system under test: it takes (account, seq) no-op tasks and reports when each ran. */
import type { Run } from '../lib/runs';

export interface Job {
  account: string;
  seq: number;
}

export interface BenchSystem {
  name: string;
  /** Submits jobs; jobs of one account are given in seq order and must run in that order. */
  submit(jobs: Job[]): Promise<void>;
  /** Runs finished so far (for waiting on completion and for the checks). */
  runs(): Promise<Run[]>;
  /** Counts finished runs cheaply (polled while waiting). */
  finished(): Promise<number>;
  stop(): Promise<void>;
}
