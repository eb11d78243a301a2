/** Upserts the search attributes the Web UI filters on, only when they changed (each upsert is a history event). */
import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import { view, type AccountState } from '../account-state';
import { AccountStateKey, CooldownUntilKey, QueueLengthKey, queueLengthToPublish } from '../search-attributes';

export class SearchAttributePublisher {
  private published = '';
  private shownQueueLength: number | null = null;

  publish(state: AccountState): void {
    const v = view(state, Date.now(), false);
    // Histories recorded before this change published every queue length; they replay that way.
    const queueLength = patched('coarse-queue-length') ? queueLengthToPublish(this.shownQueueLength, v.queueLength) : v.queueLength;
    const key = `${v.state}|${queueLength}|${v.cooldownUntil ?? ''}`;
    if (key === this.published) return;
    this.published = key;
    this.shownQueueLength = queueLength;
    upsertSearchAttributes([
      { key: AccountStateKey, value: v.state },
      { key: QueueLengthKey, value: queueLength },
      { key: CooldownUntilKey, value: v.cooldownUntil ? new Date(v.cooldownUntil) : null },
    ]);
  }
}
