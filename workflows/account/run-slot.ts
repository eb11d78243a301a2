/**
 * The run in flight (one `runTasks` activity): its members, its cancellation scope, and whether it has
 * been told to start no further member. Handlers read and stop it; only the run itself fills and clears it.
 */
import type { CancellationScope } from '@temporalio/workflow';
import type { RunMember } from '../types';

export interface Run {
  members: RunMember[];
  ids: Set<string>;
  /** Lowest priority among the members: a task queued above it must not wait for the whole run. */
  lowestPriority: number;
  /** The fence to write: set when the run must start no further member. */
  fence: number | null;
  fenceWritten: boolean;
}

export class RunSlot {
  run: Run | null = null;
  /** The scope the running activity runs in; cancelling it stops the activity. */
  scope: CancellationScope | null = null;

  has(taskId: string): boolean {
    return this.run?.ids.has(taskId) ?? false;
  }

  /** Something a handler learned changes what runs next: the run in flight starts no further member. */
  stop(): void {
    const run = this.run;
    if (!run || run.members.length < 2 || run.fence !== null) return;
    run.fence = run.members[run.members.length - 1]!.fencingToken;
  }

  /** A task queued above the run's lowest priority must not wait for the whole run. */
  stopIfOvertaken(tasks: { priority?: number }[]): void {
    const run = this.run;
    if (run && tasks.some((t) => (t.priority ?? 0) > run.lowestPriority)) this.stop();
  }

  /** The fence to write with the next flush, once. */
  takeFence(): { run: Run | null; fence?: number } {
    const run = this.run;
    if (!run || run.fence === null || run.fenceWritten) return { run };
    run.fenceWritten = true;
    return { run, fence: run.fence };
  }

  cancel(): void {
    this.scope?.cancel();
  }
}
