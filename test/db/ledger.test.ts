/**
 * Ledger writes on both drivers (real Postgres and the embedded PGlite): fencing rejects stale attempts,
 * a finished task is not claimed again, the projection never goes back to an older version, and the
 * workflow's facts are idempotent.
 */
import { readFile } from 'node:fs/promises';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  finishAttempt, readRunMembers, recordAccount, recordAccountError, recordProgress, recordRetry, startAttempt, writeProjection,
} from '../../activities/ledger';
import { migrateDatabase } from '../../db/migrate';
import { accountErrors, accountStates, settings, taskEvents, tasks } from '../../db/schema';
import type { AccountView, TaskSpec } from '../../workflows/types';
import { openTestDatabase, type DriverKind, type TestDatabase } from '../helpers/database';

const view = (accountId: string, version: number, extra: Partial<AccountView> = {}): AccountView => ({
  accountId, state: 'RUNNING', runningTaskId: null, runningTaskType: null, runningSince: null, queueLength: 0,
  cooldownUntil: null, cooldownReason: null, suspendedReason: null, consecutiveRateLimits: 0, consecutiveFailures: 0,
  breaker: 'closed', breakerHistory: [], tasksStarted: 0, version, ...extra,
});
const spec = (taskId: string): TaskSpec => ({ taskId, type: 'sleep', payload: { ms: 1 }, submittedAtMs: Date.now() });

describe.each<DriverKind>(['postgres', 'pglite'])('ledger on %s', (driver) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(driver);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('applies migrations idempotently', async () => {
    const { db } = t.database;
    const journal = JSON.parse(await readFile(new URL('../../db/migrations/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] };
    const applied = async () => {
      const result: unknown = await db.execute(sql.raw(`select id, hash, created_at from "${t.database.schema ?? 'drizzle'}".__drizzle_migrations order by id`));
      return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { hash: string }[];
    };
    const before = await applied();
    expect(before).toHaveLength(journal.entries.length);
    await db.insert(settings).values({ key: 'migration-probe', value: { kept: true } });
    await migrateDatabase(t.database);
    await migrateDatabase(t.database);
    // Nothing applied twice, nothing recorded again, and the data is still there.
    expect(await applied()).toEqual(before);
    const [probe] = await db.select().from(settings).where(eq(settings.key, 'migration-probe'));
    expect(probe?.value).toEqual({ kept: true });
    await db.delete(settings).where(eq(settings.key, 'migration-probe'));
  });

  it('rejects writes from a stale attempt and lets the newest one finish', async () => {
    const { db } = t.database;
    await recordAccount(db, { accountId: 'a', projection: null, records: [{ kind: 'queued', task: spec('t1'), enqueuedAtMs: Date.now() }] });
    // The claim hands back the payload: workflows never carry it.
    expect(await startAttempt(db, 't1', { fencingToken: 10, activityAttempt: 1 }, view('a', 1))).toEqual({ kind: 'started', attempts: 1, payload: { ms: 1 } });
    // Temporal retries after a heartbeat timeout while the first attempt still runs somewhere.
    expect(await startAttempt(db, 't1', { fencingToken: 10, activityAttempt: 2 }, view('a', 2))).toMatchObject({ kind: 'started', attempts: 2 });
    // The first attempt may no longer claim or finish the task.
    expect(await startAttempt(db, 't1', { fencingToken: 10, activityAttempt: 1 }, view('a', 1))).toEqual({ kind: 'stale' });
    expect(await finishAttempt(db, 'a', 't1', { fencingToken: 10, activityAttempt: 1 }, { kind: 'succeeded', result: 'old' })).toBe(false);
    expect(await finishAttempt(db, 'a', 't1', { fencingToken: 10, activityAttempt: 2 }, { kind: 'succeeded', result: 'new' })).toBe(true);
    const [row] = await db.select().from(tasks).where(eq(tasks.taskId, 't1'));
    expect(row).toMatchObject({ status: 'succeeded', result: 'new', attempts: 2 });
    // A later attempt (its worker died after recording) gets the recorded outcome, not a second run.
    expect(await startAttempt(db, 't1', { fencingToken: 10, activityAttempt: 3 }, view('a', 3))).toEqual({
      kind: 'finished', outcome: { kind: 'succeeded', result: 'new' }, fencingToken: 10,
    });
    const events = await db.select().from(taskEvents).where(eq(taskEvents.taskId, 't1'));
    expect(events.map((e) => e.type).sort()).toEqual(['queued', 'started', 'started', 'succeeded']);
  });

  it('claims the later members of a run only below the fence, only from queued, and resumes only its own', async () => {
    const { db } = t.database;
    const acc = `run-${driver}`;
    const ids = ['r1', 'r2', 'r3', 'r4'].map((id) => `${id}-${driver}`);
    await recordAccount(db, { accountId: acc, projection: view(acc, 1), records: ids.map((id) => ({ kind: 'queued', task: spec(id), enqueuedAtMs: Date.now() })) });
    const follower = (mode: 'first' | 'again') => ({ accountId: acc, mode, type: 'sleep' });
    expect(await startAttempt(db, ids[0]!, { fencingToken: 100, activityAttempt: 1 }, view(acc, 2))).toMatchObject({ kind: 'started', attempts: 1 });
    await finishAttempt(db, acc, ids[0]!, { fencingToken: 100, activityAttempt: 1 }, { kind: 'succeeded' });
    expect(await startAttempt(db, ids[1]!, { fencingToken: 101, activityAttempt: 1 }, view(acc, 2), follower('first'))).toMatchObject({ kind: 'started', attempts: 1 });
    const [shown] = await db.select().from(accountStates).where(eq(accountStates.accountId, acc));
    expect(shown).toMatchObject({ runningTaskId: ids[1], leaseToken: 101 });

    // A cancel reaches the running member (marked, reported) and a queued one (cancelled), behind the fence.
    const { runningCancelRequested } = await recordAccount(db, {
      accountId: acc, projection: null, runFence: 103,
      records: [{ kind: 'cancel_requested', taskId: ids[1]!, reason: 'x' }, { kind: 'cancel_requested', taskId: ids[2]!, reason: 'x' }],
    });
    expect(runningCancelRequested).toEqual([ids[1]]);
    expect(await startAttempt(db, ids[2]!, { fencingToken: 102, activityAttempt: 1 }, view(acc, 2), follower('first'))).toMatchObject({ kind: 'finished', outcome: { kind: 'cancelled' } });
    // The fence stops a member that is still queued.
    expect(await startAttempt(db, ids[3]!, { fencingToken: 103, activityAttempt: 1 }, view(acc, 2), follower('first'))).toEqual({ kind: 'stale' });
    // A retry of the run resumes the member it had started, and starts none it had not.
    expect(await startAttempt(db, ids[1]!, { fencingToken: 101, activityAttempt: 2 }, view(acc, 2), follower('again'))).toMatchObject({ kind: 'started', attempts: 2 });
    expect(await startAttempt(db, ids[3]!, { fencingToken: 104, activityAttempt: 2 }, view(acc, 2), follower('again'))).toEqual({ kind: 'stale' });

    expect(await readRunMembers(db, acc, [
      { taskId: ids[0]!, fencingToken: 100 }, { taskId: ids[1]!, fencingToken: 101 },
      { taskId: ids[2]!, fencingToken: 102 }, { taskId: ids[3]!, fencingToken: 103 },
    ])).toEqual([
      { taskId: ids[0], state: 'finished', outcome: { kind: 'succeeded', result: null } },
      { taskId: ids[1], state: 'started', cancelRequested: true },
      { taskId: ids[2], state: 'finished', outcome: { kind: 'cancelled' } },
      { taskId: ids[3], state: 'not_started' },
    ]);
  });

  it('drops the retry, progress and error notes of an attempt that lost the task', async () => {
    const { db } = t.database;
    const stale = { fencingToken: 20, activityAttempt: 1 };
    const fresh = { fencingToken: 20, activityAttempt: 2 };
    await recordAccount(db, { accountId: 'b', projection: null, records: [{ kind: 'queued', task: spec('t9'), enqueuedAtMs: Date.now() }] });
    await startAttempt(db, 't9', stale, view('b', 1));
    await startAttempt(db, 't9', fresh, view('b', 2));
    const note = { accountId: 'b', taskId: 't9', kind: 'transient', code: 'econnreset', message: 'socket hang up' };
    await recordRetry(db, 'b', 't9', stale, { code: 'econnreset', message: 'socket hang up' });
    await recordProgress(db, 'b', 't9', stale, { step: 1 });
    await recordAccountError(db, note, stale);
    await recordRetry(db, 'b', 't9', fresh, { code: 'econnreset', message: 'socket hang up' });
    await recordProgress(db, 'b', 't9', fresh, { step: 2 });
    await recordAccountError(db, note, fresh);
    const events = await db.select().from(taskEvents).where(eq(taskEvents.taskId, 't9')).orderBy(taskEvents.id);
    expect(events.filter((e) => e.type === 'retry').map((e) => e.data)).toEqual([
      { error: { code: 'econnreset', message: 'socket hang up' }, activityAttempt: 2 },
    ]);
    expect(events.filter((e) => e.type === 'progress').map((e) => e.data)).toEqual([{ step: 2 }]);
    expect(await db.select().from(accountErrors).where(eq(accountErrors.taskId, 't9'))).toHaveLength(1);
  });

  it('keeps one terminal status: a cancel after success changes nothing', async () => {
    const { db } = t.database;
    await recordAccount(db, { accountId: 'b', projection: null, records: [{ kind: 'queued', task: spec('t2'), enqueuedAtMs: Date.now() }] });
    await startAttempt(db, 't2', { fencingToken: 20, activityAttempt: 1 }, view('b', 1));
    await finishAttempt(db, 'b', 't2', { fencingToken: 20, activityAttempt: 1 }, { kind: 'succeeded' });
    await recordAccount(db, { accountId: 'b', projection: null, records: [{ kind: 'cancelled', taskId: 't2', reason: 'late' }] });
    // The same queued fact written twice (a retried local activity) inserts nothing new.
    await recordAccount(db, { accountId: 'b', projection: null, records: [{ kind: 'queued', task: spec('t2'), enqueuedAtMs: Date.now() }] });
    const [row] = await db.select().from(tasks).where(eq(tasks.taskId, 't2'));
    expect(row!.status).toBe('succeeded');
    const events = await db.select().from(taskEvents).where(eq(taskEvents.taskId, 't2'));
    expect(events.filter((e) => e.type === 'queued')).toHaveLength(1);
  });

  it('never lets an older projection overwrite a newer one', async () => {
    const { db } = t.database;
    await writeProjection(db, view('c', 5, { queueLength: 5 }));
    await writeProjection(db, view('c', 4, { queueLength: 4 }));
    await writeProjection(db, view('c', 6, { queueLength: 6, state: 'AVAILABLE' }));
    await writeProjection(db, view('c', 6, { queueLength: 99 }));
    const [row] = await db.select().from(accountStates).where(eq(accountStates.accountId, 'c'));
    expect(row).toMatchObject({ queueLength: 6, state: 'AVAILABLE', version: 6 });
  });
});
