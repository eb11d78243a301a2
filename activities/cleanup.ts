/**
 * Retention, in bounded batches (never one long transaction):
 * - the interaction tables: `interaction_latest` rows whose window is over (they no longer stop anything)
 *   and `interaction_events` older than `eventRetentionDays` (`cleanupInteractions`);
 * - the task ledger: finished tasks older than `taskRetentionDays` with their `task_events`, account error
 *   history as old, and account rows idle that long with no task left (`cleanupTasks`).
 * Run daily by the `baton-interactions-cleanup` schedule (both), and on demand through
 * `POST /api/interactions/cleanup` and `POST /api/tasks/cleanup`.
 *
 * Guarantees: a live task (queued, running) is never deleted, nor is the row of an account that has any
 * task, a suspension, a cooldown still running, or a submission being stored: an account row is deleted
 * only while holding the intake's per-account advisory lock (api/intake/store.ts), taken with a try so the
 * deletion never waits on the intake, and re-checked after the lock in a new statement of the transaction.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Logger } from '../config/logger';
import type { Db } from '../db/client';
import { accountErrors, accountStates, interactionEvents, interactionLatest, taskEvents, tasks } from '../db/schema';
import type { SettingsStore } from '../db/settings-store';
import { TERMINAL_STATUSES } from '../workflows/types';
import { IN_PROGRESS } from './interactions';
import { INTAKE_LOCK_SPACE } from '../db/advisory-locks';

export interface CleanupResult {
  deleted: { latest: number; events: number };
}

/** Rows of a raw statement: node-postgres and PGlite answer `{ rows }`; an array is taken as it is. */
function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
}

async function deleteCounted(db: Pick<Db, 'execute'>, statement: SQL): Promise<number> {
  const rows = rowsOf<{ n: number | string }>(await db.execute(sql`WITH gone AS (${statement} RETURNING 1) SELECT count(*)::int AS n FROM gone`));
  return Number(rows[0]?.n ?? 0);
}

/** Deletes in batches so a large backlog never holds long locks or one huge transaction. */
export async function cleanupInteractions(db: Db, settings: SettingsStore, batchSize = 10_000): Promise<CleanupResult> {
  const { eventRetentionDays } = await settings.get();
  const l = interactionLatest;
  const e = interactionEvents;
  let latest = 0;
  for (;;) {
    // A claim in progress is kept until it expires; a failed or released row (no window) goes too.
    const n = await deleteCounted(db, sql`DELETE FROM ${l} WHERE (${l.accountId}, ${l.target}, ${l.action}) IN (
      SELECT ${l.accountId}, ${l.target}, ${l.action} FROM ${l}
      WHERE ${l.expiresAt} <= now() OR (${l.expiresAt} IS NULL AND ${l.status} <> ${IN_PROGRESS})
      LIMIT ${batchSize})`);
    latest += n;
    if (n < batchSize) break;
  }
  let events = 0;
  for (;;) {
    const n = await deleteCounted(db, sql`DELETE FROM ${e} WHERE ${e.id} IN (
      SELECT ${e.id} FROM ${e} WHERE ${e.ts} < now() - (${eventRetentionDays}::double precision * interval '1 day') LIMIT ${batchSize})`);
    events += n;
    if (n < batchSize) break;
  }
  return { deleted: { latest, events } };
}

/**
 * Finished tasks one retention transaction deletes at most, with their events (three or so each: about
 * 4,000 rows). bench/retention.ts, a million tasks: at 1,000, 5,200 tasks/s and no batch over 0.6 s; at
 * 5,000, 7,400 tasks/s but batches up to 1.4 s. Short transactions matter more than the last third.
 */
export const RETENTION_BATCH_SIZE = 1000;
/**
 * Account rows one transaction deletes at most: each holds an advisory lock until the commit, and
 * Postgres' shared lock table (max_locks_per_transaction × max_connections, 6,400 by default) is for everyone.
 */
export const ACCOUNT_BATCH_MAX = 500;

export interface TaskCleanupResult {
  deleted: { tasks: number; taskEvents: number; accountErrors: number; accounts: number };
  /** Rows older than this went. */
  cutoff: string;
  /** False when `deadline` stopped the run first: call again for the rest. */
  done: boolean;
  batches: number;
  /** The longest a batch (one transaction) took, so held its row and advisory locks, in ms. */
  longestBatchMs: number;
  durationMs: number;
}

export interface TaskCleanupOptions {
  batchSize?: number;
  log?: Logger;
  /** Stop after the batch that passes this time (ms since epoch); `done: false` says so. */
  deadline?: number;
  /** Called after every batch with its phase, its time and the rows it deleted (the activity heartbeats here). */
  onBatch?: (batch: { phase: 'tasks' | 'account_errors' | 'accounts'; ms: number; rows: number }) => void;
}

const TERMINAL = sql.join(TERMINAL_STATUSES.map((s) => sql`${s}`), sql`, `);

/**
 * Deletes finished tasks, their events, error history and idle accounts older than `taskRetentionDays`,
 * one bounded transaction after the other, oldest first, logging progress.
 */
export async function cleanupTasks(db: Db, settings: SettingsStore, o: TaskCleanupOptions = {}): Promise<TaskCleanupResult> {
  const { taskRetentionDays } = await settings.get();
  const batchSize = o.batchSize ?? RETENTION_BATCH_SIZE;
  const started = Date.now();
  // One cutoff for the whole run, so the account phase sees the same period as the task phase.
  const cutoff = new Date(started - taskRetentionDays * 86_400_000);
  const at = cutoff.toISOString();
  const result: TaskCleanupResult = {
    deleted: { tasks: 0, taskEvents: 0, accountErrors: 0, accounts: 0 },
    cutoff: at, done: false, batches: 0, longestBatchMs: 0, durationMs: 0,
  };
  let lastLog = started;
  const total = () => Object.values(result.deleted).reduce((a, b) => a + b, 0);
  /** Runs one batch (one transaction), timed; `run` answers whether its phase has more to do. */
  const batch = async (phase: 'tasks' | 'account_errors' | 'accounts', run: () => Promise<boolean>): Promise<boolean> => {
    const before = total();
    const t0 = performance.now();
    const more = await run();
    const ms = performance.now() - t0;
    result.batches++;
    result.longestBatchMs = Math.max(result.longestBatchMs, Math.round(ms));
    o.onBatch?.({ phase, ms, rows: total() - before });
    if (Date.now() - lastLog >= 10_000) {
      lastLog = Date.now();
      o.log?.info({ phase, deleted: result.deleted, batches: result.batches, longestBatchMs: result.longestBatchMs }, 'retention in progress');
    }
    return more;
  };
  const inTime = () => o.deadline === undefined || Date.now() < o.deadline;

  // 1. Finished tasks and their events, in one statement per batch. SKIP LOCKED: a run beside this one
  //    (the schedule and the API at once) takes other rows instead of waiting.
  while (inTime() && await batch('tasks', async () => {
    const [row] = rowsOf<{ tasks: number; events: number }>(await db.execute(sql`
      WITH doomed AS (
        SELECT ${tasks.taskId} AS task_id FROM ${tasks}
        WHERE ${tasks.finishedAt} < ${at}::timestamptz AND ${tasks.status} IN (${TERMINAL})
        ORDER BY ${tasks.finishedAt} LIMIT ${batchSize} FOR UPDATE SKIP LOCKED
      ), gone_events AS (
        DELETE FROM ${taskEvents} WHERE ${taskEvents.taskId} IN (SELECT task_id FROM doomed) RETURNING 1
      ), gone AS (
        DELETE FROM ${tasks} WHERE ${tasks.taskId} IN (SELECT task_id FROM doomed) RETURNING 1
      )
      SELECT (SELECT count(*) FROM gone)::int AS tasks, (SELECT count(*) FROM gone_events)::int AS events`));
    const n = Number(row?.tasks ?? 0);
    result.deleted.tasks += n;
    result.deleted.taskEvents += Number(row?.events ?? 0);
    return n >= batchSize;
  }));

  // 2. Account error history as old (kept to 100 per account by its writer, but accounts come and go).
  while (inTime() && await batch('account_errors', async () => {
    const n = await deleteCounted(db, sql`DELETE FROM ${accountErrors} WHERE ${accountErrors.id} IN (
      SELECT ${accountErrors.id} FROM ${accountErrors} WHERE ${accountErrors.at} < ${at}::timestamptz LIMIT ${batchSize})`);
    result.deleted.accountErrors += n;
    return n >= batchSize;
  }));

  // 3. Idle accounts with no task left, walked once in account order (no index on updated_at: it would
  //    cost every projection write its HOT update).
  const accountBatch = Math.min(batchSize, ACCOUNT_BATCH_MAX);
  let after = '';
  while (inTime() && await batch('accounts', async () => {
    const r = await deleteIdleAccounts(db, at, after, accountBatch);
    result.deleted.accounts += r.deleted;
    result.deleted.accountErrors += r.errors;
    if (r.last !== null) after = r.last;
    return r.found >= accountBatch;
  }));

  result.done = inTime();
  result.durationMs = Date.now() - started;
  o.log?.info({ ...result, taskRetentionDays }, result.done ? 'task retention done' : 'task retention stopped at its deadline');
  return result;
}

/** Conditions of an idle account row, for the candidate read and again after the locks. */
const idleAccount = (at: string) => sql`
  ${accountStates.updatedAt} < ${at}::timestamptz AND ${accountStates.state} <> 'SUSPENDED'
  AND ${accountStates.runningTaskId} IS NULL AND ${accountStates.queueLength} = 0
  AND (${accountStates.cooldownUntil} IS NULL OR ${accountStates.cooldownUntil} < now())
  AND NOT EXISTS (SELECT 1 FROM ${tasks} WHERE ${tasks.accountId} = ${accountStates.accountId})`;

/**
 * One transaction: read up to `limit` idle accounts after `after`, take the intake's lock on each that
 * nobody holds (a submission being stored holds it: that account is left for the next run), then delete
 * the rows that are still idle. The delete is a statement of its own, so it sees every submission
 * committed before the locks; any later one waits for this commit and then writes the row afresh.
 * `found`: candidates read (a full batch means there may be more); `last`: the last one read.
 */
async function deleteIdleAccounts(db: Db, at: string, after: string, limit: number): Promise<{ found: number; deleted: number; errors: number; last: string | null }> {
  return db.transaction(async (tx) => {
    const candidates = rowsOf<{ account_id: string; locked: boolean }>(await tx.execute(sql`
      SELECT account_id, pg_try_advisory_xact_lock(${INTAKE_LOCK_SPACE}::int, hashtext(account_id)) AS locked
      FROM (SELECT ${accountStates.accountId} AS account_id FROM ${accountStates}
            WHERE ${accountStates.accountId} > ${after} AND ${idleAccount(at)}
            ORDER BY ${accountStates.accountId} LIMIT ${limit}) AS idle
      ORDER BY account_id`));
    const last = candidates.at(-1)?.account_id ?? null;
    const locked = candidates.filter((c) => c.locked).map((c) => c.account_id);
    if (locked.length === 0) return { found: candidates.length, deleted: 0, errors: 0, last };
    const ids = sql`SELECT jsonb_array_elements_text(${JSON.stringify(locked)}::jsonb)`;
    const gone = rowsOf<{ account_id: string }>(await tx.execute(sql`
      DELETE FROM ${accountStates} WHERE ${accountStates.accountId} IN (${ids}) AND ${idleAccount(at)}
      RETURNING ${accountStates.accountId} AS account_id`));
    let errors = 0;
    if (gone.length) {
      // Their error history goes with them (their cooldown history by its foreign key's cascade).
      const goneIds = sql`SELECT jsonb_array_elements_text(${JSON.stringify(gone.map((g) => g.account_id))}::jsonb)`;
      errors = await deleteCounted(tx, sql`DELETE FROM ${accountErrors} WHERE ${accountErrors.accountId} IN (${goneIds})`);
    }
    return { found: candidates.length, deleted: gone.length, errors, last };
  });
}

export interface RetentionResult {
  /** The interaction tables' rows (`latest`, `events`) and the task ledger's. */
  deleted: CleanupResult['deleted'] & TaskCleanupResult['deleted'];
  tasks: Omit<TaskCleanupResult, 'deleted'>;
}

/** The daily run: the interaction tables, then the task ledger. */
export async function runRetention(db: Db, settings: SettingsStore, o: TaskCleanupOptions = {}): Promise<RetentionResult> {
  const interactions = await cleanupInteractions(db, settings, o.batchSize);
  const { deleted, ...rest } = await cleanupTasks(db, settings, o);
  return { deleted: { ...interactions.deleted, ...deleted }, tasks: rest };
}
