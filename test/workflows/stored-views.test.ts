/**
 * Stored views follow the live workflow, timers included (invariant 7): a cooldown that ends by its own
 * timer on an idle account updates the list, its state filter and the counts, not only the live query.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startStack, type TestStack } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { eventually } from '../helpers/wait';

let temporal: TestTemporal;
let stack: TestStack;

beforeAll(async () => {
  temporal = await startTestTemporal();
  stack = await startStack(temporal, { driver: 'postgres' });
});

afterAll(async () => {
  await stack?.stop();
  await temporal?.stop();
});

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
});
