/**
 * The intake through the ledger (the outbox), against a real dev server, a real worker and real Postgres:
 * 202 means committed, everything the ledger would refuse is refused first (and the account goes on), a
 * fact the ledger refuses after acceptance fails only its task, and submissions are taken while Temporal
 * is down and run after it is back.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TaskHandler } from '../../activities/handlers';
import { call, startStack, type TestStack } from '../helpers/stack';
import { stackPerFile } from '../helpers/stack-per-file';
import { startTestTemporal } from '../helpers/temporal';
import { eventually } from '../helpers/wait';

/** A handler whose result the ledger cannot store (`jsonb` refuses NUL), and one that echoes its payload. */
const echo: TaskHandler<{ text: string }> = {
  type: 'echo',
  description: 'returns its text',
  payloadSchema: z.object({ text: z.string() }),
  run: async (_ctx, p) => ({ text: p.text }),
};
const nulResult: TaskHandler<Record<string, never>> = {
  type: 'nul_result',
  description: 'returns a string holding NUL',
  payloadSchema: z.object({}).strict(),
  run: async () => ({ text: 'a\u0000b' }),
};

const bigResult: TaskHandler<Record<string, never>> = {
  type: 'big_result',
  description: 'returns 2 MB',
  payloadSchema: z.object({}).strict(),
  run: async () => ({ blob: 'x'.repeat(2 * 1024 * 1024) }),
};

const { stack } = stackPerFile({ driver: 'postgres', extraHandlers: [echo, nulResult, bigResult] });

const acct = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
const submit = (account: string, body: unknown, headers: Record<string, string> = {}) =>
  call(stack, 'POST', `/api/accounts/${account}/tasks`, body, headers);
const getTask = async (taskId: string) => (await call(stack, 'GET', `/api/tasks/${taskId}`)).body;
const waitStatus = (taskId: string, status: string, s: TestStack = stack) =>
  eventually(async () => (await call(s, 'GET', `/api/tasks/${taskId}`)).body?.status === status, { what: `task ${taskId} ${status}` });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.code).toBe(code);
}

describe('acknowledged means stored', () => {
  it('answers GET right after the 202 (read your writes)', async () => {
    const a = acct('ryw');
    for (let i = 0; i < 20; i++) {
      const res = await submit(a, { type: 'sleep', payload: { ms: 1 } });
      expect(res.status).toBe(202);
      const task = await getTask(res.body.taskId);
      expect(task).toMatchObject({ taskId: res.body.taskId, accountId: a, payload: { ms: 1 } });
    }
  });

  it('refuses, before any 2xx, every string the ledger cannot store, and the account runs on', async () => {
    const a = acct('unstorable');
    const refused = [
      { type: 'echo', payload: { text: 'a\u0000b' } },
      { type: 'echo', payload: { text: 'ok', ['k\u0000ey']: 1 } },
      { type: 'echo', payload: { text: 'lone \ud800 surrogate' } },
      { type: 'echo', payload: { text: 'lone low \udc00' } },
      { type: 'sleep', payload: { ms: 1 }, dedupeKey: 'nul\u0000key' },
    ];
    for (const body of refused) {
      const res = await submit(a, body);
      expectError(res, 400, 'unstorable_string');
      expect(res.body.error.details.path).toBeTruthy();
    }
    // Nested deeper than the documented 32 levels: refused before any step that would walk it.
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const tooDeep = await submit(a, { type: 'echo', payload: { text: 'x', nest: deep } });
    expectError(tooDeep, 400, 'validation_error');
    expect(tooDeep.body.error.message).toContain('deeper than 32');
    let veryDeep = '"x"';
    for (let i = 0; i < 50_000; i++) veryDeep = `[${veryDeep}]`;
    const res = await call(stack, 'POST', `/api/accounts/${a}/tasks`, `{"type":"simulate","payload":{"n":${veryDeep}}}`);
    expectError(res, 400, 'validation_error');
    // A valid surrogate pair (an emoji) is fine, and so is the account: the refused ones never existed.
    const ok = await submit(a, { type: 'echo', payload: { text: 'fine 😀' } });
    expect(ok.status).toBe(202);
    await waitStatus(ok.body.taskId, 'succeeded');
    expect((await getTask(ok.body.taskId)).result).toEqual({ text: 'fine 😀' });
    expect((await call(stack, 'GET', `/api/tasks?accountId=${a}`)).body.items).toHaveLength(1);
  });

  it('refuses them in the operator controls, whose reasons reach the workflow and then the ledger', async () => {
    const a = acct('control');
    expectError(await call(stack, 'POST', `/api/accounts/${a}/suspend`, { reason: 'x\u0000' }), 400, 'unstorable_string');
    expectError(await call(stack, 'POST', `/api/accounts/${a}/cooldown`, { seconds: 1, reason: '\ud800' }), 400, 'unstorable_string');
    expectError(await call(stack, 'PUT', '/api/settings', { errorRules: [{ match: 'a\u0000', kind: 'permanent' }] }), 400, 'unstorable_string');
  });

  it('refuses unstorable values in query strings too', async () => {
    expectError(await call(stack, 'GET', '/api/tasks?type=a%00b'), 400, 'unstorable_string');
    expectError(await call(stack, 'GET', '/api/interactions/events?target=x%00y'), 400, 'validation_error'); // its schema says so first
  });

  it('refuses a task id another account owns: 409 task_id_taken, single and per item in a batch', async () => {
    const a = acct('owner');
    const b = acct('thief');
    const taskId = `mine-${randomUUID()}`;
    expect((await submit(a, { type: 'sleep', payload: { ms: 1 }, taskId })).status).toBe(202);
    expectError(await submit(b, { type: 'sleep', payload: { ms: 1 }, taskId }), 409, 'task_id_taken');
    const batch = await call(stack, 'POST', '/api/tasks/batch', {
      tasks: [
        { accountId: b, type: 'sleep', payload: { ms: 1 }, taskId },
        { accountId: b, type: 'sleep', payload: { ms: 1 } },
        { accountId: b, type: 'echo', payload: { text: 'x\u0000' } },
      ],
    });
    expect(batch.status).toBe(202);
    expect(batch.body.results[0].error.code).toBe('task_id_taken');
    expect(batch.body.results[1]).toMatchObject({ status: 'queued', accountId: b });
    expect(batch.body.results[2].error.code).toBe('unstorable_string');
    await waitStatus(batch.body.results[1].taskId, 'succeeded');
    await waitStatus(taskId, 'succeeded');
    expect((await getTask(taskId)).accountId).toBe(a);
  });

  it('lets exactly one of many concurrent submissions hold a dedupe key', async () => {
    const a = acct('dedupe-race');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => submit(a, { type: 'sleep', payload: { ms: 300 }, dedupeKey: 'phase-1' })),
    );
    const accepted = answers.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(1);
    for (const r of answers.filter((x) => x.status !== 202)) {
      expect(r.status).toBe(409);
      expect(['already_queued', 'already_running']).toContain(r.body.error.code);
      expect(r.body.error.details.taskId).toBe(accepted[0]!.body.taskId);
    }
    await waitStatus(accepted[0]!.body.taskId, 'succeeded');
  });
});

describe('payloads stay in the ledger', () => {
  it('keeps workflow history small however large the payloads', async () => {
    const a = acct('payloads');
    const pad = 'p'.repeat(60 * 1024); // near the 64 KB payload limit
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await submit(a, { type: 'echo', payload: { text: `${i}${pad}` } })).body.taskId);
    for (const id of ids) await waitStatus(id, 'succeeded');
    expect((await getTask(ids[19]!)).result.text).toHaveLength(pad.length + 2);
    const history = await stack.client.workflow.getHandle(`account:${a}`).fetchHistory();
    const bytes = Buffer.byteLength(JSON.stringify(history));
    // 20 payloads of 60 KB went through; the history carries none of them (nor their results).
    expect(bytes).toBeLessThan(100 * 1024);
  });
});

describe('metrics', () => {
  it('show the undelivered backlog and what the relay delivered', async () => {
    const a = acct('metrics');
    const res = await submit(a, { type: 'sleep', payload: { ms: 1 } });
    await waitStatus(res.body.taskId, 'succeeded');
    const text = (await stack.api.app.request('/metrics')).text();
    const value = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await text)?.[1]);
    expect(await value('baton_intake_undelivered_tasks')).toBe(0);
    expect(await value('baton_relay_tasks_delivered_total')).toBeGreaterThan(0);
    expect(await value('baton_relay_signals_total')).toBeGreaterThan(0);
  });
});

describe('idempotency', () => {
  it('gives the same task for the same key and body, and 422 for another body', async () => {
    const a = acct('idem');
    const headers = { 'idempotency-key': `k-${randomUUID()}` };
    const one = await submit(a, { type: 'sleep', payload: { ms: 1 } }, headers);
    expect(one.status).toBe(202);
    const again = await submit(a, { type: 'sleep', payload: { ms: 1 } }, headers);
    expect(again.status).toBe(200);
    expect(again.body.taskId).toBe(one.body.taskId);
    expectError(await submit(a, { type: 'sleep', payload: { ms: 2 } }, headers), 422, 'idempotency_key_reused');
  });

  it('makes a retried batch create nothing twice, and refuses a different batch under the same key', async () => {
    const a = acct('idem-batch');
    const headers = { 'idempotency-key': `b-${randomUUID()}` };
    const body = { tasks: [0, 1, 2].map((i) => ({ accountId: a, type: 'sleep', payload: { ms: i } })) };
    const first = await call(stack, 'POST', '/api/tasks/batch', body, headers);
    const second = await call(stack, 'POST', '/api/tasks/batch', body, headers);
    expect(first.status).toBe(202);
    const ids = first.body.results.map((r: { taskId: string }) => r.taskId);
    expect(second.body.results.map((r: { taskId: string }) => r.taskId)).toEqual(ids);
    const other = { tasks: [{ accountId: a, type: 'sleep', payload: { ms: 9 } }] };
    const reused = await call(stack, 'POST', '/api/tasks/batch', other, headers);
    expectError(reused, 422, 'idempotency_key_reused');
    await Promise.all(ids.map((id: string) => waitStatus(id, 'succeeded')));
    expect((await call(stack, 'GET', `/api/tasks?accountId=${a}`)).body.items).toHaveLength(3);
  });
});

describe('a fact the ledger refuses after acceptance', () => {
  it('fails only that task, with ledger_refused, and the account runs its next task', async () => {
    const a = acct('refused-result');
    const bad = await submit(a, { type: 'nul_result', payload: {} });
    const next = await submit(a, { type: 'echo', payload: { text: 'after' } });
    await waitStatus(bad.body.taskId, 'failed');
    expect((await getTask(bad.body.taskId)).error.code).toBe('ledger_refused');
    await waitStatus(next.body.taskId, 'succeeded');
  });

  it('fails a task whose result is too large to keep, and runs the next one', async () => {
    const a = acct('big-result');
    const big = await submit(a, { type: 'big_result', payload: {} });
    const next = await submit(a, { type: 'echo', payload: { text: 'after' } });
    await waitStatus(big.body.taskId, 'failed');
    expect((await getTask(big.body.taskId)).error.code).toBe('result_too_large');
    await waitStatus(next.body.taskId, 'succeeded');
  });

  it('survives a refusal forced below the API (a trigger raising a data exception)', async () => {
    const a = acct('forced');
    const doomed = `doomed-${randomUUID()}`;
    const schema = stack.db.database.schema!;
    await stack.db.database.execute(`
      CREATE FUNCTION "${schema}".refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.task_id = '${doomed}' AND NEW.status = 'succeeded' THEN
          RAISE EXCEPTION 'forced refusal' USING ERRCODE = '22023';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_doomed BEFORE UPDATE ON "${schema}".tasks FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse_doomed();`);
    const first = await submit(a, { type: 'echo', payload: { text: 'x' }, taskId: doomed });
    const second = await submit(a, { type: 'echo', payload: { text: 'y' } });
    expect(first.status).toBe(202);
    await waitStatus(doomed, 'failed');
    const task = await getTask(doomed);
    expect(task.error.code).toBe('ledger_refused');
    expect(task.error.message).toContain('forced refusal');
    await waitStatus(second.body.taskId, 'succeeded');
  });
});

describe('availability follows the ledger', () => {
  it('acknowledges submissions while Temporal is down, and runs them in order once it is back', async () => {
    const own = await startTestTemporal();
    const s = await startStack(own, { driver: 'postgres', env: { RELAY_POLL_MS: '100' } });
    try {
      const a = acct('temporal-down');
      const ids: string[] = [];
      await own.restart(async () => {
        for (let i = 0; i < 10; i++) {
          const res = await call(s, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 } });
          expect(res.status).toBe(202);
          ids.push(res.body.taskId);
          expect((await call(s, 'GET', `/api/tasks/${res.body.taskId}`)).body.status).toBe('queued');
        }
      });
      for (const id of ids) await waitStatus(id, 'succeeded', s);
      const started = await Promise.all(ids.map(async (id) => Date.parse((await call(s, 'GET', `/api/tasks/${id}`)).body.startedAt)));
      expect([...started].sort((x, y) => x - y)).toEqual(started);
    } finally {
      await s.stop();
      await own.stop();
    }
  });
});
