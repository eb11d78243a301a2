/**
 * The operators' defaults through a real worker on the test's own Temporal dev server: the default error
 * rules turn a handler's plain message into its outcome (private → skipped `private`, user not found →
 * skipped, too many requests → rate limited, then run again) and an operator's own rule replaces them;
 * `/health` counts the worker polling; the daily cleanup workflow (what the schedule starts) deletes the
 * task ledger past `taskRetentionDays`. One server for the three, to spare the machine.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import type { TaskHandler } from '../../activities/handlers';
import { cleanupWorkflow } from '../../workflows';
import { call } from '../helpers/stack';
import { stackPerFile } from '../helpers/stack-per-file';
import { eventually } from '../helpers/wait';

/** Throws `message` as a plain Error on its first `failTimes` runs, as a handler calling a service would. */
const sayHandler: TaskHandler<{ message: string; failTimes: number }> = {
  type: 'say',
  description: 'test: throws its message as a plain Error',
  payloadSchema: z.object({ message: z.string(), failTimes: z.number().int().default(1) }).strict() as z.ZodType<{ message: string; failTimes: number }>,
  async run(ctx, p) {
    if (ctx.attempt <= p.failTimes) throw new Error(p.message);
    return { ok: true, attempt: ctx.attempt };
  },
};

const { stack } = stackPerFile({ driver: 'pglite', extraHandlers: [sayHandler] });

async function runToEnd(accountId: string, message: string, failTimes = 1) {
  const res = await call(stack, 'POST', `/api/accounts/${accountId}/tasks`, { type: 'say', payload: { message, failTimes } });
  expect(res.status).toBe(202);
  const taskId = res.body.taskId as string;
  return eventually(async () => {
    const t = (await call(stack, 'GET', `/api/tasks/${taskId}`)).body;
    return ['succeeded', 'failed', 'skipped', 'cancelled'].includes(t.status) ? t : false;
  }, { timeoutMs: 30_000, what: `task ${taskId} to finish` });
}

describe('default error rules with a real worker', () => {
  it('skips a private account with reason private', async () => {
    const t = await runToEnd(`acct-${randomUUID()}`, 'Sorry, this account is private');
    expect(t.status).toBe('skipped');
    expect(t.error).toEqual({ code: 'skipped', message: 'private' });
    expect(t.attempts).toBe(1);
  });

  it('skips a target that is not found, with the service message as the reason', async () => {
    const t = await runToEnd(`acct-${randomUUID()}`, 'User not found');
    expect(t).toMatchObject({ status: 'skipped', error: { message: 'User not found' }, attempts: 1 });
  });

  it('rate limits on "too many requests": the account cools down and the task runs again', async () => {
    const accountId = `acct-${randomUUID()}`;
    const t = await runToEnd(accountId, '429 Too Many Requests');
    expect(t.status).toBe('succeeded');
    expect(t.attempts).toBe(2);
    const account = (await call(stack, 'GET', `/api/account-states/${accountId}`)).body;
    expect(account.errors[0]).toMatchObject({ kind: 'rate_limited', message: '429 Too Many Requests' });
  });

  it("follows an operator's edited rules at the next outcome", async () => {
    const put = await call(stack, 'PUT', '/api/settings', { errorRules: [{ match: 'this account is private', kind: 'permanent' }] });
    expect(put.status).toBe(200);
    try {
      const t = await runToEnd(`acct-${randomUUID()}`, 'This account is private');
      expect(t.status).toBe('failed');
      expect(t.error).toMatchObject({ code: 'matched_permanent' });
    } finally {
      expect((await call(stack, 'PUT', '/api/settings', { errorRules: null })).status).toBe(200);
    }
  });
});

describe('/health with a real worker', () => {
  it('is ready and counts the worker polling for workflow and activity tasks', async () => {
    const body = await eventually(async () => {
      const res = await call(stack, 'GET', '/health');
      return res.status === 200 && res.body.figures?.workers?.activity >= 1 ? res.body : false;
    }, { timeoutMs: 30_000, what: 'the worker counted' });
    expect(body.status).toBe('ok');
    expect(body.figures.workers.workflow).toBeGreaterThanOrEqual(1);
  });
});

describe('the daily cleanup workflow', () => {
  it('deletes the task ledger past taskRetentionDays beside the interaction tables', async () => {
    const db = stack.db.database.db;
    await db.execute(sql`INSERT INTO tasks (task_id, account_id, type, payload, status, created_at, finished_at, delivered_at)
      SELECT 'old-' || i, 'acct-old', 'sleep', '{}', 'succeeded', now() - interval '40 days', now() - interval '40 days', now() - interval '40 days'
      FROM generate_series(1, 12) AS i`);
    await db.execute(sql`INSERT INTO account_states (account_id, state, updated_at) VALUES ('acct-old', 'AVAILABLE', now() - interval '40 days')`);
    const result = await stack.client.workflow.execute(cleanupWorkflow, {
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      workflowId: `cleanup-${randomUUID()}`,
      workflowExecutionTimeout: '1 minute',
    });
    expect(result.deleted).toMatchObject({ tasks: 12, accounts: 1, latest: expect.any(Number), events: expect.any(Number) });
    const left: unknown = await db.execute(sql`SELECT count(*)::int AS n FROM tasks WHERE account_id = 'acct-old'`);
    expect((left as { rows: { n: number }[] }).rows[0]?.n).toBe(0);
  });
});
