/**
 * Dedupe-key holders against a real dev server, worker and Postgres: a running holder keeps running after
 * its key is released (and the next submission with the key is accepted and runs after it), a refusal by a
 * running holder is counted as `already_running`, and a task type with its own short timeout
 * (taskTimeoutSecondsByType) stops holding its account and key when it hangs, while the default does not.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/stack';
import { stackPerFile } from '../helpers/stack-per-file';
import { eventually } from '../helpers/wait';

const { stack } = stackPerFile({ driver: 'postgres' });

const acct = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
const submit = (accountId: string, body: Record<string, unknown>) => call(stack, 'POST', `/api/accounts/${accountId}/tasks`, body);
const task = async (taskId: string) => (await call(stack, 'GET', `/api/tasks/${taskId}`)).body;
const waitStatus = (taskId: string, status: string, timeoutMs = 30_000) =>
  eventually(async () => {
    const t = await task(taskId);
    return t.status === status ? t : undefined;
  }, { what: `task ${taskId} ${status}`, timeoutMs });
const heldBy = async (accountId: string) => (await call(stack, 'GET', `/api/dedupe-keys?accountId=${accountId}`)).body.items;

describe('a released running holder', () => {
  it('runs on to its end while the next task with its key is accepted and runs after it', async () => {
    const a = acct('holder');
    const before = (await call(stack, 'GET', '/api/metrics')).body.dedupeKeys.refusals;
    const first = await submit(a, { type: 'sleep', payload: { ms: 2500 }, dedupeKey: 'nightly' });
    expect(first.status).toBe(202);
    await waitStatus(first.body.taskId, 'running');
    expect(await heldBy(a)).toEqual([expect.objectContaining({ dedupeKey: 'nightly', taskId: first.body.taskId, taskStatus: 'running' })]);

    const refused = await submit(a, { type: 'sleep', payload: { ms: 1 }, dedupeKey: 'nightly' });
    expect(refused.body.error).toMatchObject({ code: 'already_running', details: { taskId: first.body.taskId } });
    const counted = (await call(stack, 'GET', '/api/metrics')).body.dedupeKeys.refusals;
    expect(counted.already_running - before.already_running).toBe(1);

    const released = await call(stack, 'DELETE', `/api/accounts/${a}/dedupe-keys/nightly`);
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ taskId: first.body.taskId, taskStatus: 'running' });
    expect(await heldBy(a)).toEqual([]);

    const second = await submit(a, { type: 'sleep', payload: { ms: 1 }, dedupeKey: 'nightly' });
    expect(second.status).toBe(202);
    const done = await waitStatus(first.body.taskId, 'succeeded');
    expect(done).toMatchObject({ dedupeKey: 'nightly', dedupeReleasedAt: released.body.releasedAt });
    const next = await waitStatus(second.body.taskId, 'succeeded');
    // One at a time still: the new holder started after the released one finished.
    expect(Date.parse(next.startedAt)).toBeGreaterThanOrEqual(Date.parse(done.finishedAt));
    expect(await heldBy(a)).toEqual([]);
  });
});

describe('taskTimeoutSecondsByType', () => {
  it('times out a hung task of a type with a short timeout, frees its key, while other types keep the default', async () => {
    const put = await call(stack, 'PUT', '/api/settings', { taskTimeoutSecondsByType: { sleep: 1 }, maxAttempts: 2, retryInitialSeconds: 0.1 });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.taskTimeoutSecondsByType).toEqual({ sleep: 1 });
    expect(put.body.sources.taskTimeoutSecondsByType).toBe('stored');
    try {
      const hung = acct('hung');
      const fine = acct('fine');
      const stuck = await submit(hung, { type: 'sleep', payload: { ms: 20_000 }, dedupeKey: 'export' });
      const slow = await submit(fine, { type: 'simulate', payload: { ms: 2500 } });
      expect([stuck.status, slow.status]).toEqual([202, 202]);
      // Two attempts of one second each, not twenty seconds: the key and the account are free again.
      const failed = await waitStatus(stuck.body.taskId, 'failed', 15_000);
      expect(failed.attempts).toBe(2);
      expect(await heldBy(hung)).toEqual([]);
      expect((await submit(hung, { type: 'sleep', payload: { ms: 1 }, dedupeKey: 'export' })).status).toBe(202);
      // simulate has no timeout of its own: 2.5 s is well within the default.
      await waitStatus(slow.body.taskId, 'succeeded');
    } finally {
      await call(stack, 'PUT', '/api/settings', { taskTimeoutSecondsByType: null, maxAttempts: null, retryInitialSeconds: null });
    }
  });

  it('refuses a bad type name, a timeout out of range and too many types', async () => {
    for (const value of [{ 'Not A Type': 1 }, { sleep: 0 }, { sleep: 86_401 }, Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`t${i}`, 1]))]) {
      const res = await call(stack, 'PUT', '/api/settings', { taskTimeoutSecondsByType: value });
      expect(res.status, JSON.stringify(value).slice(0, 60)).toBe(400);
    }
  });
});
