/**
 * Retention of the task ledger: `POST /api/tasks/cleanup` deletes finished tasks past `taskRetentionDays`
 * with their events, old error history and idle accounts with no task, in bounded batches; it never deletes
 * a live task, an account with a task, a suspended account, one cooling down, or one whose submission is
 * being stored (the intake's advisory lock is held). Rows are written straight into the ledger with old
 * timestamps: waiting 30 days is not an option.
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTasks } from '../../activities/cleanup';
import { INTAKE_LOCK_SPACE } from '../../db/advisory-locks';
import { defaultSettings } from '../../config/settings';
import type { Db } from '../../db/client';
import { createSettingsStore } from '../../db/settings-store';
import type { DriverKind } from '../helpers/database';
import { startApp, type AppFixture } from './app-fixture';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

async function rows<T>(db: Db, q: ReturnType<typeof sql>): Promise<T[]> {
  const r: unknown = await db.execute(q);
  return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
}

async function addTask(db: Db, t: { id: string; account: string; status: string; createdDays: number; finishedDays?: number; events?: number }) {
  const finished = t.finishedDays === undefined ? null : ago(t.finishedDays);
  await db.execute(sql`INSERT INTO tasks (task_id, account_id, type, payload, status, created_at, finished_at, delivered_at)
    VALUES (${t.id}, ${t.account}, 'sleep', '{}'::jsonb, ${t.status}, ${ago(t.createdDays)}::timestamptz, ${finished}::timestamptz, now())`);
  for (let i = 0; i < (t.events ?? 2); i++) {
    await db.execute(sql`INSERT INTO task_events (task_id, account_id, type, at) VALUES (${t.id}, ${t.account}, ${i === 0 ? 'queued' : 'started'}, ${ago(t.createdDays)}::timestamptz)`);
  }
}

async function addAccount(db: Db, a: { id: string; state?: string; updatedDays: number; cooldownUntil?: string }) {
  await db.execute(sql`INSERT INTO account_states (account_id, state, updated_at, cooldown_until)
    VALUES (${a.id}, ${a.state ?? 'AVAILABLE'}, ${ago(a.updatedDays)}::timestamptz, ${a.cooldownUntil ?? null}::timestamptz)`);
}

async function addError(db: Db, account: string, days: number) {
  await db.execute(sql`INSERT INTO account_errors (account_id, task_id, kind, code, message, at) VALUES (${account}, 'x', 'failed', 'c', 'm', ${ago(days)}::timestamptz)`);
}

const ids = async (db: Db, table: 'tasks' | 'account_states') =>
  (await rows<{ id: string }>(db, table === 'tasks' ? sql`SELECT task_id AS id FROM tasks ORDER BY 1` : sql`SELECT account_id AS id FROM account_states ORDER BY 1`)).map((r) => r.id);

/** The ledger a cleanup meets: old finished tasks, old live ones, recent ones, and accounts of every kind. */
async function seed(db: Db) {
  await addTask(db, { id: 'old-ok', account: 'a-busy', status: 'succeeded', createdDays: 40, finishedDays: 39, events: 3 });
  await addTask(db, { id: 'old-failed', account: 'a-busy', status: 'failed', createdDays: 40, finishedDays: 35 });
  await addTask(db, { id: 'old-skipped', account: 'a-gone', status: 'skipped', createdDays: 50, finishedDays: 50 });
  await addTask(db, { id: 'old-dedup', account: 'a-gone', status: 'deduplicated', createdDays: 50, finishedDays: 50 });
  await addTask(db, { id: 'old-cancelled', account: 'a-gone', status: 'cancelled', createdDays: 50, finishedDays: 50 });
  // Live for weeks (a long cooldown, a long backlog): never deleted, nor is its account.
  await addTask(db, { id: 'old-queued', account: 'a-busy', status: 'queued', createdDays: 45 });
  await addTask(db, { id: 'old-running', account: 'a-running', status: 'running', createdDays: 45 });
  await addTask(db, { id: 'new-ok', account: 'a-recent-task', status: 'succeeded', createdDays: 3, finishedDays: 2 });
  // Created long ago but finished within the period: kept.
  await addTask(db, { id: 'late-finish', account: 'a-recent-task', status: 'succeeded', createdDays: 60, finishedDays: 5 });
  for (const id of ['a-busy', 'a-running', 'a-recent-task']) await addAccount(db, { id, updatedDays: 40 });
  await addAccount(db, { id: 'a-gone', updatedDays: 40 });
  await addAccount(db, { id: 'a-idle', updatedDays: 31 });
  await addAccount(db, { id: 'a-suspended', state: 'SUSPENDED', updatedDays: 90 });
  await addAccount(db, { id: 'a-cooling', state: 'COOLDOWN', updatedDays: 40, cooldownUntil: new Date(Date.now() + DAY).toISOString() });
  await addAccount(db, { id: 'a-cooled', state: 'COOLDOWN', updatedDays: 40, cooldownUntil: ago(39) });
  await addAccount(db, { id: 'a-fresh', updatedDays: 1 });
  await addError(db, 'a-gone', 45);
  await addError(db, 'a-idle', 10); // recent, but its account goes: it goes with it
  await addError(db, 'a-busy', 45);
  await addError(db, 'a-busy', 1);
}

describe.each<DriverKind>(['postgres', 'pglite'])('task retention on %s', (driver) => {
  let f: AppFixture;
  let db: Db;
  beforeAll(async () => {
    f = await startApp({ driver });
    db = f.db.database.db;
    await seed(db);
  });
  afterAll(async () => {
    await f?.close();
  });

  it('deletes finished tasks, their events, old errors and idle accounts, and nothing live', async () => {
    expect((await (await f.app.request('/api/settings')).json()).taskRetentionDays).toBe(30);
    const res = await f.app.request('/api/tasks/cleanup', { method: 'POST' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      deleted: { tasks: 5, taskEvents: 11, accountErrors: 3, accounts: 3 },
      done: true,
    });
    expect(Date.parse(body.cutoff)).toBeLessThan(Date.now() - 30 * DAY + 60_000);
    expect(body.batches).toBeGreaterThanOrEqual(3);
    expect(await ids(db, 'tasks')).toEqual(['late-finish', 'new-ok', 'old-queued', 'old-running']);
    expect(await ids(db, 'account_states')).toEqual(['a-busy', 'a-cooling', 'a-fresh', 'a-recent-task', 'a-running', 'a-suspended']);
    const events = await rows<{ task_id: string }>(db, sql`SELECT DISTINCT task_id FROM task_events ORDER BY 1`);
    expect(events.map((e) => e.task_id)).toEqual(['late-finish', 'new-ok', 'old-queued', 'old-running']);
    const errors = await rows<{ account_id: string }>(db, sql`SELECT account_id FROM account_errors ORDER BY 1`);
    expect(errors.map((e) => e.account_id)).toEqual(['a-busy']);
    // A second run finds nothing more.
    const again = await (await f.app.request('/api/tasks/cleanup', { method: 'POST' })).json();
    expect(again.deleted).toEqual({ tasks: 0, taskEvents: 0, accountErrors: 0, accounts: 0 });
  });

  it('follows the setting, and refuses a bad maxSeconds', async () => {
    await addTask(db, { id: 'ten-days', account: 'a-fresh', status: 'succeeded', createdDays: 10, finishedDays: 10 });
    const put = await f.app.request('/api/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ taskRetentionDays: 7 }) });
    expect(put.status).toBe(200);
    expect(((await (await f.app.request('/api/tasks/cleanup?maxSeconds=5', { method: 'POST' })).json()) as { deleted: { tasks: number } }).deleted.tasks).toBe(1);
    expect((await f.app.request('/api/tasks/cleanup?maxSeconds=0', { method: 'POST' })).status).toBe(400);
    expect((await f.app.request('/api/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ taskRetentionDays: 0 }) })).status).toBe(400);
  });

  it('deletes in batches of the size given', async () => {
    for (let i = 0; i < 23; i++) await addTask(db, { id: `batch-${i}`, account: 'a-batch', status: 'succeeded', createdDays: 100, finishedDays: 100, events: 1 });
    const settings = createSettingsStore(db, { ...defaultSettings(f.config), taskRetentionDays: 30 }, 0);
    const r = await cleanupTasks(db, settings, { batchSize: 5 });
    expect(r.deleted.tasks).toBe(23);
    expect(r.deleted.taskEvents).toBe(23);
    // Four full batches of tasks and a short one, then one each for errors and accounts.
    expect(r.batches).toBe(4 + 1 + 1 + 1);
    expect(r.done).toBe(true);
  });
});

describe('task retention beside the intake (postgres)', () => {
  let f: AppFixture;
  let db: Db;
  beforeAll(async () => {
    f = await startApp({ driver: 'postgres' });
    db = f.db.database.db;
  });
  afterAll(async () => {
    await f?.close();
  });

  it('leaves an account alone while a submission to it holds the intake lock, and the submission keeps its row', async () => {
    await addAccount(db, { id: 'a-submitting', updatedDays: 60 });
    await addAccount(db, { id: 'a-other', updatedDays: 60 });
    // A second session stands in for an intake transaction in progress: it holds the account's lock.
    const intake = new pg.Client({ connectionString: f.db.url });
    await intake.connect();
    try {
      await intake.query('BEGIN');
      await intake.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [INTAKE_LOCK_SPACE, 'a-submitting']);
      const res = await (await f.app.request('/api/tasks/cleanup', { method: 'POST' })).json();
      expect(res.deleted.accounts).toBe(1);
      expect(await ids(db, 'account_states')).toEqual(['a-submitting']);
      await intake.query('ROLLBACK');
    } finally {
      await intake.end();
    }
    // A real submission afterwards: its account row is there again, and a cleanup leaves it (it has a task).
    const submit = await f.app.request('/api/accounts/a-other/tasks', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'sleep', payload: { ms: 1 } }),
    });
    expect(submit.status).toBe(202);
    const after = await (await f.app.request('/api/tasks/cleanup', { method: 'POST' })).json();
    expect(after.deleted.accounts).toBe(1);
    expect(await ids(db, 'account_states')).toEqual(['a-other']);
  });
});
