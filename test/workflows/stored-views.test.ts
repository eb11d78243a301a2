/**
 * Stored views follow the live workflow, timers included (invariant 7): a cooldown that ends by its own
 * timer on an idle account updates the list, its state filter and the counts, not only the live query.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { accountWorkflowId } from '../../workflows/account-workflow';
import { call } from '../helpers/stack';
import { stackPerFile } from '../helpers/stack-per-file';
import { eventually } from '../helpers/wait';

// Idle accounts complete after half a second here.
const { stack } = stackPerFile({ driver: 'postgres', env: { ACCOUNT_IDLE_TIMEOUT_MS: '500' } });

const listed = async (state: string, accountId: string) =>
  ((await call(stack, 'GET', `/api/accounts/execution-states?state=${state}&limit=500`)).body.items as { accountId: string }[])
    .some((i) => i.accountId === accountId);

describe('stored views', () => {
  it('follow a manual cooldown that ends by its timer on an idle account', async () => {
    const a = `views-${randomUUID().slice(0, 8)}`;
    const done = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 } });
    await eventually(async () => (await call(stack, 'GET', `/api/tasks/${done.body.taskId}`)).body.status === 'succeeded');
    expect((await call(stack, 'POST', `/api/accounts/${a}/cooldown`, { seconds: 0.5, reason: 'short' })).status).toBe(202);
    await eventually(() => listed('COOLDOWN', a), { what: 'listed in COOLDOWN' });
    // No message arrives after this: only the workflow's timer ends the cooldown.
    await eventually(() => listed('AVAILABLE', a), { timeoutMs: 5000, what: 'listed AVAILABLE after the timer' });
    expect(await listed('COOLDOWN', a)).toBe(false);
    const counts = (await call(stack, 'GET', '/api/metrics/concurrency')).body;
    expect(counts.accountsCooldown).toBe(0);
    const live = (await call(stack, 'GET', `/api/accounts/execution-states/${a}`)).body;
    expect(live).toMatchObject({ state: 'AVAILABLE', live: true });
  });

  it('let a suspended idle account complete its workflow, and keep the suspension for the next run', async () => {
    const a = `views-suspended-${randomUUID().slice(0, 8)}`;
    const answer = await call(stack, 'POST', `/api/accounts/${a}/suspend`, { reason: 'holiday' });
    expect(answer).toMatchObject({ status: 202, body: { accountId: a, requested: 'suspend', accountKnown: false } });
    const handle = stack.client.workflow.getHandle(accountWorkflowId(a));
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', { what: 'the suspended idle workflow completed' });
    expect(await listed('SUSPENDED', a)).toBe(true);
    // The next task starts a new run, suspended: it waits.
    const task = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 } });
    await eventually(async () => (await handle.describe()).status.name === 'RUNNING', { what: 'a new run' });
    await new Promise((r) => setTimeout(r, 700));
    const waiting = (await call(stack, 'GET', `/api/tasks/${task.body.taskId}`)).body;
    expect(waiting).toMatchObject({ status: 'queued', waitingReason: 'account_suspended' });
    expect((await call(stack, 'GET', `/api/accounts/execution-states/${a}`)).body).toMatchObject({ state: 'SUSPENDED', suspendedReason: 'holiday' });
    expect((await call(stack, 'POST', `/api/accounts/${a}/resume`)).status).toBe(202);
    await eventually(async () => (await call(stack, 'GET', `/api/tasks/${task.body.taskId}`)).body.status === 'succeeded', { what: 'runs after resume' });
  });
});
