/**
 * What the parts of one account workflow share: its state machine's state, the ledger outbox, the run in
 * flight, the search attributes, and the wake counter that makes a waiting main loop decide again.
 * One per workflow run (never module-level: workflow code keeps no state between runs).
 */
import { createAccountState, hydrate, suspend, type AccountState } from '../account-state';
import type { AccountWorkflowInput, AccountWorkflowOptions } from './options';
import { LedgerOutbox } from './outbox';
import { RunSlot } from './run-slot';
import { SearchAttributePublisher } from './search-attributes';

export class AccountDriver {
  readonly accountId: string;
  readonly options: AccountWorkflowOptions;
  readonly state: AccountState;
  readonly slot = new RunSlot();
  readonly outbox: LedgerOutbox;
  private readonly attributes = new SearchAttributePublisher();
  /** Every handler bumps it so a waiting loop decides again. */
  wake = 0;

  constructor(input: AccountWorkflowInput) {
    this.accountId = input.accountId;
    this.options = input.options;
    // Start time × 1000 outgrows any token an earlier run handed out (one per task), so tokens only rise.
    this.state = input.carried
      ? hydrate(input.carried.snapshot)
      : createAccountState(input.accountId, input.settings, Date.now() * 1000);
    if (!input.carried && input.suspended) suspend(this.state, input.suspended.reason, input.suspended.atMs);
    this.outbox = new LedgerOutbox(this.accountId, this.state, this.slot, input.carried?.records ?? []);
  }

  /** The state changed: the stored projection is stale and a waiting loop decides again. */
  changed(): void {
    this.outbox.projectionDirty = true;
    this.wake += 1;
  }

  publish(): void {
    this.attributes.publish(this.state);
  }
}
