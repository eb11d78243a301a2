/**
 * The relay: hands what the ledger acknowledged to the account workflows (the outbox's other half). Each
 * API process runs one. A round finds the accounts with undelivered rows, oldest first, and delivers each
 * one's undelivered tasks in acknowledgement order with ONE signal-with-start, then marks them delivered.
 *
 * Guarantees:
 * - One relay at a time per account: a session advisory lock per account (and an in-process set), so two
 *   relays never reorder one account's tasks. Relays share the work by account, never row by row.
 * - At least once: a relay that dies between signal and mark leaves the rows unmarked, and the next round
 *   delivers them again; the workflow drops ids it has seen, and the ledger's claim never runs a task twice.
 * - Bounded workflow state: an account's workflow holds at most `window` live delivered tasks; the rest
 *   wait in the ledger (`backlog`) and follow as the workflow's queue drains.
 * Under load a round finds more rows per account, so Temporal's work per task shrinks.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database, Query } from '../../db/client';
import { tasks } from '../../db/schema';
import type { Logger } from '../../config/logger';
import { errorMessage } from '../../activities/errors';
import type { DeliveredTask } from '../../workflows/types';
import type { DeliverRequest } from '../../workflows/messages';
import { RELAY_LOCK_SPACE } from '../../db/advisory-locks';

export interface RelayOptions {
  database: Database;
  /** One signal-with-start; `suspended`: what a new run of the workflow starts with (read with the rows). */
  deliver(accountId: string, request: DeliverRequest, suspended: { reason: string; atMs: number } | null): Promise<void>;
  log: Logger;
  /** How often a relay looks for work it was not told of (another process's submissions). (Default: 500) */
  pollMs: number;
  /** Accounts delivered at once. (Default: 8) */
  concurrency: number;
  /** Live delivered tasks an account's workflow holds at most. (Default: 500) */
  window: number;
  /** Tasks one signal carries at most. (Default: 500) */
  batchMax?: number;
  /** Test hook for the fault run: called after a signal, before its mark. */
  afterSignal?: (accountId: string, taskIds: string[]) => void;
  /** Told of each delivery (metrics). */
  onDelivered?: (tasks: number, oldestAgeMs: number) => void;
}

/** gRPC INVALID_ARGUMENT: Temporal refuses the request itself, and would refuse it again. */
const GRPC_INVALID_ARGUMENT = 3;

/** What a delivery attempt came to; `delivered` names the tasks it handed over. */
export type Delivery = { kind: 'delivered'; taskIds: string[] } | { kind: 'nothing' | 'busy' | 'window_full' };
const NOTHING: Delivery = { kind: 'nothing' };
const BUSY: Delivery = { kind: 'busy' };

interface Row {
  task_id: string;
  type: string;
  priority: number;
  run_after: string | Date | null;
  created_at: string | Date;
}

export function createRelay(o: RelayOptions) {
  const batchMax = o.batchMax ?? 500;
  /** Running totals since start, for /metrics. */
  const stats = { signals: 0, tasksDelivered: 0, failedRounds: 0, lagMsSum: 0 };
  const inFlight = new Set<string>();
  let stopping = false;
  let wake: (() => void) | null = null;
  let kicked = false;
  let loopDone: Promise<void> = Promise.resolve();
  const lockName = (accountId: string) => `${o.database.schema ?? ''}:${accountId}`;

  /** Delivers one account's undelivered tasks (as many as its window takes) in one signal. */
  async function deliverAccount(accountId: string): Promise<Delivery> {
    if (inFlight.has(accountId)) return BUSY;
    inFlight.add(accountId);
    try {
      const r = await o.database.tryWithLock(RELAY_LOCK_SPACE, lockName(accountId), (query) => deliverLocked(query, accountId));
      return r.locked ? r.value : BUSY;
    } finally {
      inFlight.delete(accountId);
    }
  }

  async function deliverLocked(query: Query, accountId: string): Promise<Delivery> {
    // One read: the undelivered tasks in delivery order, how many there are in all, how many live tasks
    // the workflow holds already, and the suspension a new run of it must start with.
    const found = await query<Row & { waiting: string; held: string; suspended_reason: string | null; suspended_at: string | Date | null }>(
      `SELECT t.task_id, t.type, t.priority, t.run_after, t.created_at, count(*) OVER () AS waiting,
              (SELECT count(*) FROM tasks h WHERE h.account_id = $1 AND h.status IN ('queued', 'running') AND h.delivered_at IS NOT NULL) AS held,
              a.suspended_reason, a.updated_at AS suspended_at
       FROM tasks t LEFT JOIN account_states a ON a.account_id = t.account_id AND a.state = 'SUSPENDED'
       WHERE t.account_id = $1 AND t.status = 'queued' AND t.delivered_at IS NULL
       ORDER BY t.priority DESC, t.seq LIMIT $2`,
      [accountId, batchMax],
    );
    if (found.length === 0) return NOTHING;
    const first = found[0]!;
    const room = o.window - Number(first.held);
    if (room <= 0) return { kind: 'window_full' };
    const rows = found.slice(0, room);
    const suspended = first.suspended_at === null ? null : { reason: first.suspended_reason ?? 'suspended', atMs: new Date(first.suspended_at).getTime() };
    const ids = rows.map((r) => r.task_id);
    try {
      await o.deliver(accountId, { tasks: rows.map(toDelivered), backlog: Number(first.waiting) - rows.length }, suspended);
    } catch (err) {
      if ((err as { code?: unknown }).code !== GRPC_INVALID_ARGUMENT) throw err;
      // Temporal refuses these for good: fail them in the ledger rather than stall the account.
      o.log.error({ accountId, err: errorMessage(err) }, 'Temporal refused a delivery; failing its tasks');
      await failUndeliverable(query, accountId, ids, errorMessage(err));
      return { kind: 'delivered', taskIds: ids };
    }
    o.afterSignal?.(accountId, ids);
    await query(`UPDATE tasks SET delivered_at = now() WHERE task_id = ANY($1::text[]) AND delivered_at IS NULL`, [ids]);
    const lagMs = Date.now() - new Date(rows[0]!.created_at).getTime();
    stats.signals += 1;
    stats.tasksDelivered += rows.length;
    stats.lagMsSum += lagMs;
    o.onDelivered?.(rows.length, lagMs);
    return { kind: 'delivered', taskIds: ids };
  }

  /** Accounts with undelivered rows, those waiting longest first. */
  async function pendingAccounts(limit: number): Promise<string[]> {
    const rows = await o.database.db
      .select({ accountId: tasks.accountId })
      .from(tasks)
      .where(and(eq(tasks.status, 'queued'), isNull(tasks.deliveredAt)))
      .groupBy(tasks.accountId)
      .orderBy(sql`min(${tasks.seq})`)
      .limit(limit);
    return rows.map((r) => r.accountId);
  }

  /** One round: every pending account, `concurrency` at a time. Answers how many accounts got tasks. */
  async function round(): Promise<number> {
    const accounts = await pendingAccounts(1000);
    let delivered = 0;
    let next = 0;
    const lane = async () => {
      while (next < accounts.length && !stopping) {
        const account = accounts[next++]!;
        if ((await deliverAccount(account)).kind === 'delivered') delivered += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency, accounts.length) }, lane));
    return delivered;
  }

  async function loop(): Promise<void> {
    let backoffMs = 0;
    while (!stopping) {
      kicked = false;
      let moved: number;
      try {
        moved = await round();
        backoffMs = 0;
      } catch (err) {
        // Temporal or Postgres is down: the rows wait in the ledger, and we try again a little later.
        backoffMs = Math.min(Math.max(backoffMs * 2, 250), 5000);
        stats.failedRounds += 1;
        o.log.warn({ err: errorMessage(err), retryInMs: backoffMs }, 'relay round failed; the tasks stay in the ledger');
        await sleep(backoffMs);
        continue;
      }
      if (moved === 0 && !kicked && !stopping) await sleep(o.pollMs);
    }
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  return {
    stats,
    start(): void {
      stopping = false;
      loopDone = loop();
    },
    /** New rows were committed in this process: look at once. */
    kick(): void {
      kicked = true;
      wake?.();
    },
    /**
     * Delivers the account now (`?wait=true`), waiting for a relay that holds it; true once the workflow
     * has `taskId`, false if that did not happen before `deadline` (or the workflow's window is full).
     */
    async deliverNow(accountId: string, taskId: string, deadline: number): Promise<boolean> {
      for (;;) {
        const result = await deliverAccount(accountId);
        // Nothing left undelivered: whoever delivered, the task went with it.
        if (result.kind === 'nothing') return true;
        if (result.kind === 'delivered' && result.taskIds.includes(taskId)) return true;
        if (result.kind === 'window_full' || Date.now() >= deadline) return false;
        if (result.kind === 'busy') await new Promise((r) => setTimeout(r, 10));
      }
    },
    /** Finishes the round in hand; no new round starts. */
    async stop(): Promise<void> {
      stopping = true;
      wake?.();
      await loopDone;
    },
  };
}

function toDelivered(r: Row): DeliveredTask {
  const t: DeliveredTask = { taskId: r.task_id, type: r.type, submittedAtMs: new Date(r.created_at).getTime() };
  if (r.priority !== 0) t.priority = r.priority;
  if (r.run_after !== null) t.runAfterMs = new Date(r.run_after).getTime();
  return t;
}

async function failUndeliverable(query: Query, accountId: string, ids: string[], message: string): Promise<void> {
  const error = JSON.stringify({ code: 'delivery_refused', message: `Temporal refused the delivery: ${message}`.slice(0, 2000) });
  await query(
    `WITH failed AS (
       UPDATE tasks SET status = 'failed', error = $2::jsonb, finished_at = now(), updated_at = now(), delivered_at = now()
       WHERE task_id = ANY($1::text[]) AND status = 'queued' RETURNING task_id
     )
     INSERT INTO task_events (task_id, account_id, type, data) SELECT task_id, $3, 'failed', jsonb_build_object('error', $2::jsonb) FROM failed`,
    [ids, error, accountId],
  );
}

export type Relay = ReturnType<typeof createRelay>;
