/**
 * Group commit for single submissions: the requests that arrive while the intake's transaction runs are
 * stored together in the next one, so under load one transaction (and its commit) serves many requests
 * instead of each paying its own ten round trips. Each request still gets its own answers, and is
 * acknowledged only once its rows are committed.
 *
 * One transaction at a time per process: submissions to one account are serialised anyway (its row lock),
 * and fewer, larger transactions are what moves throughput on a busy Postgres.
 */
import type { Db } from '../../db/client';
import { isDatabaseUnavailable } from '../../db/unavailable';
import { storeSubmissions, type IntakeItem, type IntakeResult } from './store';

interface Waiting {
  items: IntakeItem[];
  resolve(results: IntakeResult[]): void;
  reject(err: unknown): void;
}

export interface GroupCommitOptions {
  db: Db;
  /** The queue limit of accounts without an override, read per transaction (settings are cached). */
  defaultMaxQueued(): Promise<number>;
  /** Told when a transaction stored tasks (the relay then delivers them). */
  onStored(): void;
  /** Items one transaction takes at most. (Default: 1000) */
  maxItems?: number;
}

export function createGroupCommit(o: GroupCommitOptions) {
  const maxItems = o.maxItems ?? 1000;
  let waiting: Waiting[] = [];
  let flushing = false;

  async function storeGroup(group: Waiting[]): Promise<void> {
    const items = group.flatMap((w) => w.items);
    try {
      // A reused Idempotency-Key refuses its own request only, not the others in the group.
      const results = await storeSubmissions(o.db, items, await o.defaultMaxQueued(), { refuseWholeOnReuse: false });
      let at = 0;
      for (const w of group) {
        w.resolve(results.slice(at, at + w.items.length));
        at += w.items.length;
      }
      if (results.some((r) => r.kind === 'queued')) o.onStored();
    } catch (err) {
      if (group.length === 1 || isDatabaseUnavailable(err)) {
        for (const w of group) w.reject(err);
        return;
      }
      // One request's items must not fail the others': each goes again on its own.
      for (const w of group) await storeGroup([w]);
    }
  }

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (waiting.length) {
        let n = 0;
        let count = 0;
        while (n < waiting.length && (n === 0 || count + waiting[n]!.items.length <= maxItems)) count += waiting[n++]!.items.length;
        const group = waiting.slice(0, n);
        waiting = waiting.slice(n);
        await storeGroup(group);
      }
    } finally {
      flushing = false;
    }
  }

  return {
    /** Stores one request's items in the next transaction; answers them in order. */
    store(items: IntakeItem[]): Promise<IntakeResult[]> {
      return new Promise((resolve, reject) => {
        waiting.push({ items, resolve, reject });
        if (!flushing) void flush();
      });
    },
  };
}

export type GroupCommit = ReturnType<typeof createGroupCommit>;
