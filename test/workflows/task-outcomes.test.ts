/**
 * How each kind of outcome ends a task, through the real worker on the embedded PGlite database: transient
 * errors retried by Temporal until they pass or run out, permanent errors and unavailable targets, the
 * webhook handler's mapping of HTTP answers, and what the Temporal Web UI shows of an account.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tasks } from '../../db/schema';
import { accountWorkflowId } from '../../workflows/account-workflow';
import { getState } from '../../workflows/messages';
import { AccountStateKey, CooldownUntilKey, QueueLengthKey } from '../../workflows/search-attributes';
import { call, startStack, type TestStack } from '../helpers/stack';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { eventually } from '../helpers/wait';

let temporal: TestTemporal;
let stack: TestStack;
let webhook: Server;
/** What the fake service answers, by the payload's `answer` field. */
const answers: Record<string, { status: number; headers?: Record<string, string>; body?: string }> = {
  ok: { status: 200, body: '{"done":true}' },
  limited: { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' },
  gone: { status: 404, body: 'no such user' },
  bad: { status: 400, body: 'bad request' },
  down: { status: 503, body: 'unavailable' },
};
const webhookCalls: string[] = [];

beforeAll(async () => {
  webhook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { taskId: string; payload: { answer: string } };
      webhookCalls.push(parsed.taskId);
      const a = answers[parsed.payload.answer] ?? answers.ok!;
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
  temporal = await startTestTemporal();
  stack = await startStack(temporal, {
    driver: 'pglite',
    env: {
      WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`,
      RETRY_INITIAL_SECONDS: '0.1',
      RETRY_MAX_SECONDS: '0.2',
      MAX_ATTEMPTS: '3',
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await temporal?.stop();
  await new Promise((r) => webhook?.close(r));
});

const acct = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;

async function run(type: string, payload: unknown, accountId = acct('outcome')) {
  const res = await call(stack, 'POST', `/api/accounts/${accountId}/tasks`, { type, payload });
  expect(res.status).toBe(202);
  return eventually(async () => {
    const [row] = await stack.db.database.db.select().from(tasks).where(eq(tasks.taskId, res.body.taskId));
    return row && !['queued', 'running'].includes(row.status) && row;
  }, { timeoutMs: 60_000, what: `${type} finished` });
}

describe('outcomes', () => {
  it('retries a transient error with Temporal until it passes', async () => {
    const row = await run('simulate', { outcome: 'transient', failTimes: 2 });
    expect(row).toMatchObject({ status: 'succeeded', attempts: 3 });
  });

  it('fails a task whose transient errors outlast maxAttempts', async () => {
    const row = await run('simulate', { outcome: 'transient', failTimes: 10 });
    expect(row).toMatchObject({ status: 'failed', attempts: 3 });
    expect(row.error!.code).toBe('attempts_exhausted');
  });

  it('fails a permanent error at once and leaves the account available', async () => {
    const a = acct('permanent');
    const row = await run('simulate', { outcome: 'error' }, a);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'simulated_error' } });
    const s = await eventually(async () => {
      const v = await stack.client.workflow.getHandle(accountWorkflowId(a)).query(getState, { withWaiting: false });
      return v.state === 'AVAILABLE' && v;
    }, { what: 'available' });
    expect(s.consecutiveFailures).toBe(1);
  });

  it('skips a task whose target is unavailable, with the reason', async () => {
    const row = await run('simulate', { outcome: 'unavailable' });
    expect(row.status).toBe('skipped');
    expect(row.error!.message).toMatch(/simulated unavailable/);
  });
});

describe('webhook', () => {
  it('maps HTTP answers: 2xx success, 429 rate limited, 404 skipped, other 4xx failed, 5xx retried', async () => {
    expect(await run('webhook', { answer: 'ok' })).toMatchObject({ status: 'succeeded', result: { done: true } });
    expect(await run('webhook', { answer: 'gone' })).toMatchObject({ status: 'skipped', attempts: 1 });
    expect(await run('webhook', { answer: 'bad' })).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'http_400' } });
    const down = await run('webhook', { answer: 'down' });
    expect(down).toMatchObject({ status: 'failed', attempts: 3 });
    expect(webhookCalls.filter((id) => id === down.taskId)).toHaveLength(3);
  });

  it('treats 429 as a rate limit and honours Retry-After', async () => {
    const a = acct('webhook-429');
    answers.flaky = { status: 429, headers: { 'retry-after': '1' } };
    const res = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'webhook', payload: { answer: 'flaky' } });
    const s = await eventually(async () => {
      const v = await stack.client.workflow.getHandle(accountWorkflowId(a)).query(getState, { withWaiting: true });
      return v.state === 'COOLDOWN' && v;
    }, { intervalMs: 20, what: 'cooldown after 429' });
    // The step is 0.3 s; Retry-After: 1 makes it at least a second.
    expect(Date.parse(s.cooldownUntil!) - Date.now()).toBeGreaterThan(600);
    answers.flaky = { status: 200, body: '{"ok":1}' };
    const row = await eventually(async () => {
      const [r] = await stack.db.database.db.select().from(tasks).where(eq(tasks.taskId, res.body.taskId));
      return r?.status === 'succeeded' && r;
    }, { what: 'succeeded after the cooldown' });
    expect(row.attempts).toBe(2);
  });
});

describe('Temporal Web UI', () => {
  it('shows the account state, queue length and cooldown end as search attributes, and summaries in history', async () => {
    const a = acct('webui');
    await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'simulate', payload: { outcome: 'rate_limited', retryAfterMs: 2000 } });
    await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 } });
    const handle = stack.client.workflow.getHandle(accountWorkflowId(a));
    const d = await eventually(async () => {
      const desc = await handle.describe();
      return desc.typedSearchAttributes.get(AccountStateKey) === 'COOLDOWN' && desc;
    }, { intervalMs: 100, what: 'AccountState=COOLDOWN' });
    expect(d.typedSearchAttributes.get(QueueLengthKey)).toBe(2);
    expect(d.typedSearchAttributes.get(CooldownUntilKey)!.getTime()).toBeGreaterThan(Date.now());
    const history = await handle.fetchHistory();
    const summaries = (history.events ?? [])
      .map((e) => e.userMetadata?.summary?.data)
      .filter((x): x is Uint8Array => !!x)
      .map((b) => JSON.parse(Buffer.from(b).toString('utf8')) as string);
    // One activity per run: the relay may deliver both tasks in one signal, and one run then carries both.
    expect(summaries.some((s) => /^(task .+ simulate|2 tasks from .+)$/.test(s))).toBe(true);
    expect(summaries.some((s) => /cooldown 2 s after rate limit #1/.test(s))).toBe(true);
  });
});
