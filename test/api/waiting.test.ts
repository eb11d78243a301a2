/**
 * Waiting across accounts, against a real dev server, a real worker and real Postgres: queued tasks in
 * `GET /api/tasks` carry position, waiting reason and expected start as the single task does (one rule),
 * oldest first and filtered by reason; and totalConcurrencyBlocks counts, from the ledger, the tasks that
 * had to wait for another task of their account.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/stack';
import { stackPerFile } from '../helpers/stack-per-file';
import { eventually } from '../helpers/wait';

const { stack } = stackPerFile({ driver: 'postgres' });

const acct = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
const submit = async (accountId: string, body: Record<string, unknown>) => {
  const res = await call(stack, 'POST', `/api/accounts/${accountId}/tasks`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.taskId as string;
};
const task = async (taskId: string) => (await call(stack, 'GET', `/api/tasks/${taskId}`)).body;
const waitStatus = (taskId: string, status: string) =>
  eventually(async () => (await task(taskId)).status === status, { what: `task ${taskId} ${status}` });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Item = any;
async function queuedOf(accounts: string[], query = ''): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { items: Item[]; nextCursor: string | null } } = await call(
      stack, 'GET', `/api/tasks?status=queued&order=oldest&limit=500${query}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items.filter((i) => accounts.includes(i.accountId));
}

describe('GET /api/tasks?status=queued', () => {
  it('carries position, waiting reason and expected start for each task, as GET /api/tasks/{id} does, oldest first, filtered by reason', async () => {
    const busy = acct('busy');
    const cooling = acct('cooling');
    const scheduled = acct('scheduled');
    const suspended = acct('suspended');
    // A finished task first, so the account has a duration to estimate from.
    await waitStatus(await submit(busy, { type: 'sleep', payload: { ms: 200 } }), 'succeeded');
    const running = await submit(busy, { type: 'sleep', payload: { ms: 4000 } });
    await waitStatus(running, 'running');
    const b1 = await submit(busy, { type: 'sleep', payload: { ms: 1 } });
    const b2 = await submit(busy, { type: 'sleep', payload: { ms: 1 } });

    expect((await call(stack, 'POST', `/api/accounts/${cooling}/cooldown`, { seconds: 600, reason: 'test' })).status).toBe(202);
    await eventually(async () => (await call(stack, 'GET', `/api/account-execution-states/${cooling}`)).body?.state === 'COOLDOWN', { what: 'cooldown' });
    const c1 = await submit(cooling, { type: 'sleep', payload: { ms: 1 } });

    const runAfter = new Date(Date.now() + 3_600_000).toISOString();
    const s1 = await submit(scheduled, { type: 'sleep', payload: { ms: 1 }, runAfter });

    expect((await call(stack, 'POST', `/api/accounts/${suspended}/suspend`, { reason: 'test' })).status).toBe(202);
    await eventually(async () => (await call(stack, 'GET', `/api/account-execution-states/${suspended}`)).body?.state === 'SUSPENDED', { what: 'suspended' });
    const p1 = await submit(suspended, { type: 'sleep', payload: { ms: 1 } });

    const mine = [busy, cooling, scheduled, suspended];
    const items = await queuedOf(mine);
    expect(items.map((i) => i.taskId)).toEqual([b1, b2, c1, s1, p1]);
    const byId = new Map(items.map((i) => [i.taskId, i]));
    expect(byId.get(b1)).toMatchObject({ position: 0, waitingReason: 'account_busy' });
    expect(byId.get(b2)).toMatchObject({ position: 1, waitingReason: 'account_busy' });
    expect(byId.get(c1)).toMatchObject({ position: 0, waitingReason: 'account_cooldown' });
    expect(byId.get(s1)).toMatchObject({ position: 0, waitingReason: 'scheduled' });
    expect(byId.get(p1)).toMatchObject({ position: 0, waitingReason: 'account_suspended' });
    // Expected starts: in queue order behind the running task, after the cooldown, at the scheduled time, none while suspended.
    expect(Date.parse(byId.get(b2).eta)).toBeGreaterThan(Date.parse(byId.get(b1).eta));
    expect(Date.parse(byId.get(c1).eta)).toBeGreaterThan(Date.now() + 500_000);
    expect(Date.parse(byId.get(s1).eta)).toBeGreaterThanOrEqual(Date.parse(runAfter));
    expect(byId.get(p1).eta).toBeUndefined();

    // The single task says the same (one function computes both).
    for (const item of items) {
      const one = await task(item.taskId);
      expect({ position: one.position, waitingReason: one.waitingReason, hasEta: 'eta' in one }).toEqual({
        position: item.position, waitingReason: item.waitingReason, hasEta: 'eta' in item,
      });
    }

    for (const reason of ['account_busy', 'account_cooldown', 'scheduled', 'account_suspended']) {
      const only = await queuedOf(mine, `&waitingReason=${reason}`);
      expect(only.length).toBeGreaterThan(0);
      expect(only.every((i) => i.waitingReason === reason)).toBe(true);
      expect(only.map((i) => i.taskId)).toEqual(items.filter((i) => i.waitingReason === reason).map((i) => i.taskId));
    }

    // Oldest first, one per page, within an account: no task skipped or repeated.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Item[]; nextCursor: string | null } } = await call(
        stack, 'GET', `/api/tasks?accountId=${busy}&status=queued&order=oldest&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      paged.push(...page.body.items.map((i) => i.taskId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual([b1, b2]);

    expect((await call(stack, 'POST', `/api/accounts/${suspended}/resume`)).status).toBe(202);
    await call(stack, 'DELETE', `/api/accounts/${cooling}/cooldown`);
    await waitStatus(p1, 'succeeded');
    await waitStatus(c1, 'succeeded');
    await waitStatus(b2, 'succeeded');
  });

  it('refuses a waiting reason with another status, a cursor of the other order, and an unknown reason', async () => {
    expect((await call(stack, 'GET', '/api/tasks?status=running&waitingReason=account_busy')).status).toBe(400);
    expect((await call(stack, 'GET', '/api/tasks?waitingReason=tired')).status).toBe(400);
    const a = acct('order');
    await submit(a, { type: 'sleep', payload: { ms: 1 } });
    await submit(a, { type: 'sleep', payload: { ms: 1 } });
    const newest = await call(stack, 'GET', `/api/tasks?accountId=${a}&limit=1`);
    expect(newest.body.nextCursor).toBeTruthy();
    const crossed = await call(stack, 'GET', `/api/tasks?accountId=${a}&limit=1&order=oldest&cursor=${newest.body.nextCursor}`);
    expect(crossed.body.error.code).toBe('invalid_cursor');
  });
});

describe('totalConcurrencyBlocks', () => {
  it('counts, from the ledger, the tasks that had to wait for another task of their account, and keeps the current count apart', async () => {
    const before = (await call(stack, 'GET', '/api/metrics/concurrency')).body;
    const crowded = acct('crowded');
    const alone = acct('alone');
    const batch = await call(stack, 'POST', '/api/tasks/batch', {
      tasks: [0, 1, 2].map(() => ({ accountId: crowded, type: 'sleep', payload: { ms: 600 } })),
    });
    const ids: string[] = batch.body.results.map((r: { taskId: string }) => r.taskId);
    await waitStatus(ids[0]!, 'running');
    // While the first runs, the two others are held back now.
    const during = (await call(stack, 'GET', '/api/metrics/concurrency')).body;
    expect(during.currentConcurrencyBlocks).toBeGreaterThanOrEqual(2);
    for (const id of ids) await waitStatus(id, 'succeeded');
    await waitStatus(await submit(alone, { type: 'sleep', payload: { ms: 1 } }), 'succeeded');

    const flags = await stack.db.database.db.execute(
      sql`SELECT task_id, waited_for_account FROM tasks WHERE account_id IN (${crowded}, ${alone}) ORDER BY started_at`,
    );
    const waited = (flags as unknown as { rows: { task_id: string; waited_for_account: boolean }[] }).rows;
    expect(waited.map((r) => r.waited_for_account)).toEqual([false, true, true, false]);

    const after = (await call(stack, 'GET', '/api/metrics/concurrency')).body;
    // Other tests' accounts may add to it, never take away.
    expect(after.totalConcurrencyBlocks - before.totalConcurrencyBlocks).toBeGreaterThanOrEqual(2);
    expect(after.currentConcurrencyBlocks).toBeGreaterThanOrEqual(0);
  });
});
