/**
 * The ledger outbox: facts the workflow decided (a task cancelled, failed, queued by an older history's own
 * signal) and whether the stored projection is stale. One writer (`flushForever`) writes them in order
 * with the `recordAccount` local activity, beside the main loop, so that what handlers decide reaches
 * Postgres while a long task runs.
 */
import { condition } from '@temporalio/workflow';
import { view, type AccountState } from '../account-state';
import type { TaskRecord } from '../types';
import { ledgerActivities } from './options';
import type { RunSlot } from './run-slot';

export class LedgerOutbox {
  private records: TaskRecord[];
  private flushing = false;
  /** The stored projection no longer matches the state. */
  projectionDirty = true;

  constructor(
    private readonly accountId: string,
    private readonly state: AccountState,
    private readonly slot: RunSlot,
    carried: TaskRecord[],
  ) {
    this.records = [...carried];
  }

  record(...records: TaskRecord[]): void {
    this.records.push(...records);
  }

  /** Every fact is written (the projection may still be stale). */
  flushed(): boolean {
    return this.records.length === 0 && !this.flushing;
  }

  /** What continue-as-new carries to the next run: facts not written yet. */
  takeUnwritten(): TaskRecord[] {
    return this.records.splice(0, this.records.length);
  }

  async flushForever(): Promise<never> {
    for (;;) {
      await condition(() => this.records.length > 0 || this.projectionDirty);
      this.flushing = true;
      const batch = this.records.splice(0, this.records.length);
      const projection = this.projectionDirty ? view(this.state, Date.now(), false) : null;
      this.projectionDirty = false;
      const { run: flushedRun, fence } = this.slot.takeFence();
      const result = await ledgerActivities.recordAccount({
        accountId: this.accountId,
        records: batch,
        projection,
        ...(fence === undefined ? {} : { runFence: fence }),
      });
      // The ledger found a task of this run running when its cancel arrived: stop the run. (Histories from
      // before runs recorded no result here.)
      if (result?.runningCancelRequested.some((id) => this.slot.run === flushedRun && this.slot.has(id))) this.slot.cancel();
      this.flushing = false;
    }
  }
}
