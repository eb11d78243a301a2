/**
 * Every route through `app.request()`, against a real dev server, a real worker and the embedded
 * PGlite database (the driver `npm start` uses by default).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { call, startStack } from '../helpers/stack';
import { stackPerFile } from '../helpers/stack-per-file';
import { eventually } from '../helpers/wait';

const { temporal, stack } = stackPerFile();

const acct = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
const taskStatus = async (taskId: string) => (await call(stack, 'GET', `/api/tasks/${taskId}`)).body?.status;
const waitStatus = (taskId: string, status: string) =>
  eventually(async () => (await taskStatus(taskId)) === status, { what: `task ${taskId} ${status}` });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error).toHaveProperty('details');
}

describe('submission', () => {
  it('accepts a task with 202, then the ledger shows it succeed', async () => {
    const a = acct('api-submit');
    const res = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 20 } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accountId: a, status: 'queued' });
    await waitStatus(res.body.taskId, 'succeeded');
    const task = (await call(stack, 'GET', `/api/tasks/${res.body.taskId}`)).body;
    expect(task).toMatchObject({ taskId: res.body.taskId, accountId: a, type: 'sleep', payload: { ms: 20 }, attempts: 1, priority: 0, result: { sleptMs: 20 } });
    expect(Date.parse(task.finishedAt)).toBeGreaterThanOrEqual(Date.parse(task.startedAt));
  });

  it('?wait=true answers 201 with the position, and 409 for a live dedupeKey', async () => {
    const a = acct('api-wait');
    const first = await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 1500 }, dedupeKey: 'same' });
    expect(first.status).toBe(201);
    // The workflow may already have started it by the time it answers.
    expect(first.body.live).toBe(true);
    expect([{ status: 'queued', position: 0 }, { status: 'running', position: null }]).toContainEqual({ status: first.body.status, position: first.body.position });
    const second = await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 10 } });
    expect(second.status).toBe(201);
    await waitStatus(first.body.taskId, 'running');
    const dup = await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 10 }, dedupeKey: 'same' });
    expectError(dup, 409, 'already_running');
    expect(dup.body.error.details).toEqual({ taskId: first.body.taskId });
  });

  it('refuses a live dedupeKey without ?wait=true too: already_queued, then already_running, then free again', async () => {
    const a = acct('api-dedupe-async');
    const blocker = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 800 } });
    const first = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 800 }, dedupeKey: 'k' });
    expect(first.status).toBe(202);
    const queued = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 }, dedupeKey: 'k' });
    expectError(queued, 409, 'already_queued');
    expect(queued.body.error.details).toEqual({ taskId: first.body.taskId });
    await waitStatus(blocker.body.taskId, 'succeeded');
    await waitStatus(first.body.taskId, 'running');
    const running = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 }, dedupeKey: 'k' });
    expectError(running, 409, 'already_running');
    expect(running.body.error.details).toEqual({ taskId: first.body.taskId });
    await waitStatus(first.body.taskId, 'succeeded');
    const again = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 }, dedupeKey: 'k' });
    expect(again.status).toBe(202);
  });

  it('Idempotency-Key makes a retried request address the same task', async () => {
    const a = acct('api-idem');
    const headers = { 'idempotency-key': `key-${randomUUID()}` };
    const one = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 5 } }, headers);
    const two = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 5 } }, headers);
    expect(two.body.taskId).toBe(one.body.taskId);
    await waitStatus(one.body.taskId, 'succeeded');
    const three = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 5 } }, headers);
    expect(three.status).toBe(200);
    expect(three.headers.get('idempotent-replayed')).toBe('true');
    expect(three.body).toMatchObject({ taskId: one.body.taskId, status: 'succeeded' });
    const list = await call(stack, 'GET', `/api/tasks?accountId=${a}`);
    expect(list.body.items).toHaveLength(1);
  });

  it('refuses bad input with 4xx and the error JSON', async () => {
    const a = acct('api-bad');
    expectError(await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'nope', payload: {} }), 422, 'unknown_task_type');
    expectError(await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 'x' } }), 422, 'invalid_payload');
    expectError(await call(stack, 'POST', `/api/accounts/${a}/tasks`, '{"type": "sleep",'), 400, 'invalid_json');
    expectError(await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 }, extra: 1 }), 400, 'validation_error');
    expectError(await call(stack, 'POST', `/api/accounts/bad%20id/tasks`, { type: 'sleep', payload: { ms: 1 } }), 400, 'validation_error');
    expectError(await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1, pad: 'x'.repeat(300_000) } }), 413, 'payload_too_large');
    expectError(await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'simulate', payload: { blob: 'x'.repeat(70_000) } }), 400, 'validation_error');
    expectError(await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 } }, { 'idempotency-key': 'é' }), 400, 'invalid_idempotency_key');
    expectError(await call(stack, 'GET', '/api/tasks?limit=100000'), 400, 'validation_error');
    expectError(await call(stack, 'GET', '/api/tasks?cursor=garbage'), 400, 'invalid_cursor');
    expectError(await call(stack, 'GET', '/api/nothing-here'), 404, 'not_found');
  });
});

describe('batch', () => {
  it('answers per item and groups one signal per account', async () => {
    const a = acct('api-batch-a');
    const b = acct('api-batch-b');
    const res = await call(stack, 'POST', '/api/tasks/batch', {
      tasks: [
        { accountId: a, type: 'sleep', payload: { ms: 5 } },
        { accountId: b, type: 'sleep', payload: { ms: 5 } },
        { accountId: a, type: 'nope', payload: {} },
        { accountId: 'bad id', type: 'sleep', payload: { ms: 1 } },
        { accountId: a, type: 'sleep', payload: { ms: 5 } },
      ],
    });
    expect(res.status).toBe(202);
    const r = res.body.results;
    expect(r.map((x: { index: number }) => x.index)).toEqual([0, 1, 2, 3, 4]);
    expect(r[0]).toMatchObject({ status: 'queued', accountId: a });
    expect(r[2].error.code).toBe('unknown_task_type');
    expect(r[3].error.code).toBe('validation_error');
    await waitStatus(r[4].taskId, 'succeeded');
    await waitStatus(r[1].taskId, 'succeeded');
  });

  it('refuses more than 1000 tasks', async () => {
    const tasks = Array.from({ length: 1001 }, () => ({ accountId: 'x', type: 'sleep', payload: { ms: 1 } }));
    expectError(await call(stack, 'POST', '/api/tasks/batch', { tasks }), 400, 'validation_error');
  });
});

describe('tasks', () => {
  it('shows position and waiting reason while queued, and cancels queued and running tasks', async () => {
    const a = acct('api-cancel');
    const run = await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 30_000 } });
    const q1 = await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 5 } });
    const q2 = await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 5 } });
    expect(q2.body.position).toBe(1);
    await waitStatus(run.body.taskId, 'running');
    const queued = await eventually(async () => {
      const t = (await call(stack, 'GET', `/api/tasks/${q2.body.taskId}`)).body;
      return t.position === 1 && t;
    }, { what: 'position from the ledger' });
    expect(queued).toMatchObject({ status: 'queued', waitingReason: 'account_busy' });
    const waiting = (await call(stack, 'GET', '/api/accounts/waiting-tasks')).body;
    expect(waiting.byAccount[a].map((w: { taskId: string; position: number }) => [w.taskId, w.position])).toEqual([
      [q1.body.taskId, 0],
      [q2.body.taskId, 1],
    ]);
    const c1 = await call(stack, 'POST', `/api/tasks/${q1.body.taskId}/cancel`);
    expect(c1.status).toBe(202);
    await waitStatus(q1.body.taskId, 'cancelled');
    expect((await call(stack, 'POST', `/api/tasks/${run.body.taskId}/cancel`)).status).toBe(202);
    await waitStatus(run.body.taskId, 'cancelled');
    await waitStatus(q2.body.taskId, 'succeeded');
    expectError(await call(stack, 'POST', `/api/tasks/${q2.body.taskId}/cancel`), 409, 'task_finished');
    expectError(await call(stack, 'POST', `/api/tasks/no-such-task/cancel`), 404, 'task_not_found');
    expectError(await call(stack, 'GET', `/api/tasks/no-such-task`), 404, 'task_not_found');
  });

  it('lists newest first with filters and cursor paging without gaps or repeats', async () => {
    const a = acct('api-list');
    const res = await call(stack, 'POST', '/api/tasks/batch', {
      tasks: Array.from({ length: 25 }, (_, i) => ({ accountId: a, type: 'sleep', payload: { ms: 0 }, taskId: `${a}-${String(i).padStart(2, '0')}` })),
    });
    expect(res.status).toBe(202);
    await eventually(async () => (await call(stack, 'GET', `/api/tasks?accountId=${a}&status=succeeded&limit=500`)).body.items.length === 25, { what: '25 done' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(stack, 'GET', `/api/tasks?accountId=${a}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((t: { taskId: string }) => t.taskId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect((await call(stack, 'GET', `/api/tasks?accountId=${a}&type=simulate`)).body.items).toHaveLength(0);
  });
});

describe('accounts and metrics', () => {
  it('lists execution states, shows one live, and 404s an unknown account', async () => {
    const a = acct('api-acct');
    const sub = await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 1500 } });
    await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 5 } });
    await waitStatus(sub.body.taskId, 'running');
    const detail = (await call(stack, 'GET', `/api/accounts/execution-states/${a}`)).body;
    expect(detail).toMatchObject({ accountId: a, state: 'RUNNING', runningTaskId: sub.body.taskId, queueLength: 1, live: true });
    expect(detail.waiting[0]).toMatchObject({ position: 0, waitingReason: 'account_busy' });
    expect(detail.temporalUiUrl).toContain(encodeURIComponent(`account:${a}`));
    const metrics = (await call(stack, 'GET', '/api/metrics/concurrency')).body;
    expect(metrics.accountsRunning).toBeGreaterThanOrEqual(1);
    expect(metrics.currentConcurrencyBlocks).toBeGreaterThanOrEqual(1);
    for (const k of ['totalAccountsTracked', 'accountsWaiting', 'accountsCooldown', 'accountsSuspended', 'totalTasksQueuedWaiting', 'tasksRunning']) {
      expect(typeof metrics[k]).toBe('number');
    }
    const list = await eventually(async () => {
      const items: { accountId: string }[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { accountId: string }[]; nextCursor: string | null } = (await call(stack, 'GET', `/api/accounts/execution-states?limit=500${cursor ? `&cursor=${cursor}` : ''}`)).body;
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return items.some((i) => i.accountId === a) && items;
    }, { what: 'account listed' });
    expect(list.length).toBeGreaterThan(0);
    expectError(await call(stack, 'GET', `/api/accounts/execution-states/${acct('never-seen')}`), 404, 'account_not_found');
  });

  it('suspends, resumes, and runs a manual cooldown that can end early', async () => {
    const a = acct('api-ops');
    expect((await call(stack, 'POST', `/api/accounts/${a}/suspend`, { reason: 'maintenance' })).status).toBe(202);
    const t = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 } });
    const suspended = await eventually(async () => {
      const d = (await call(stack, 'GET', `/api/accounts/execution-states/${a}`)).body;
      return d.state === 'SUSPENDED' && d.queueLength === 1 && d;
    }, { what: 'suspended with one waiting' });
    expect(suspended).toMatchObject({ suspendedReason: 'maintenance' });
    expect(suspended.waiting[0]).toMatchObject({ waitingReason: 'account_suspended' });
    expect(suspended.waiting[0].eta).toBeUndefined();
    expect(await taskStatus(t.body.taskId)).toBe('queued');
    expect((await call(stack, 'POST', `/api/accounts/${a}/cooldown`, { seconds: 600, reason: 'manual test' })).status).toBe(202);
    expect((await call(stack, 'POST', `/api/accounts/${a}/resume`)).status).toBe(202);
    const cooling = await eventually(async () => {
      const d = (await call(stack, 'GET', `/api/accounts/execution-states/${a}`)).body;
      return d.state === 'COOLDOWN' && d;
    }, { what: 'cooldown' });
    expect(cooling.cooldownReason).toBe('manual test');
    expect(Date.parse(cooling.cooldownUntil)).toBeGreaterThan(Date.now() + 500_000);
    expect(cooling.waiting[0].waitingReason).toBe('account_cooldown');
    expect((await call(stack, 'DELETE', `/api/accounts/${a}/cooldown`)).status).toBe(202);
    await waitStatus(t.body.taskId, 'succeeded');
    expectError(await call(stack, 'POST', `/api/accounts/${a}/cooldown`, { seconds: -1 }), 400, 'validation_error');
  });
});

describe('queue limit', () => {
  it('refuses a task beyond the account queue limit with 429 queue_full (per-account override)', async () => {
    const a = acct('api-full');
    expect((await call(stack, 'PUT', `/api/accounts/${a}/settings`, { maxQueuedPerAccount: 2 })).status).toBe(200);
    await call(stack, 'POST', `/api/accounts/${a}/suspend`, { reason: 'hold the queue' });
    for (let i = 0; i < 2; i++) {
      expect((await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 1 } })).status).toBe(201);
    }
    const full = await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 1 } });
    expectError(full, 429, 'queue_full');
    expect(full.body.error.details).toEqual({ limit: 2 });
    expect(full.headers.get('retry-after')).toBeTruthy();
    // The async path refuses from the projection once it shows the full queue.
    const asyncFull = await eventually(async () => {
      const r = await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 } });
      return r.status === 429 && r;
    }, { what: 'async queue_full' });
    expect(asyncFull.body.error.code).toBe('queue_full');
  });
});

describe('settings, health, docs', () => {
  it('reads and merges settings, refusing bad values', async () => {
    const before = (await call(stack, 'GET', '/api/settings')).body;
    expect(before).toHaveProperty('rateLimitBackoffSeconds');
    const put = await call(stack, 'PUT', '/api/settings', { maxAttempts: 7 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ ...before, maxAttempts: 7, sources: { ...before.sources, maxAttempts: 'stored' } });
    expect((await call(stack, 'GET', '/api/settings')).body.maxAttempts).toBe(7);
    expectError(await call(stack, 'PUT', '/api/settings', { maxAttempts: 0 }), 400, 'validation_error');
    expectError(await call(stack, 'PUT', '/api/settings', { nonsense: true }), 400, 'validation_error');
    // null hands the setting back to its default.
    expect((await call(stack, 'PUT', '/api/settings', { maxAttempts: null })).body).toMatchObject(before);
  });

  it('reports health and serves the OpenAPI document', async () => {
    const health = await eventually(async () => {
      const h = await call(stack, 'GET', '/health');
      return h.status === 200 && h;
    }, { what: 'ready' });
    expect(health.body.checks).toMatchObject({ temporal: { ok: true }, postgres: { ok: true }, workers: { ok: true } });
    expect((await call(stack, 'GET', '/health/live')).status).toBe(200);
    const doc = (await call(stack, 'GET', '/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/api/accounts/{accountId}/tasks', '/api/tasks/batch', '/api/tasks/{taskId}', '/api/tasks', '/api/tasks/{taskId}/cancel',
      '/api/accounts/execution-states', '/api/accounts/execution-states/{accountId}', '/api/accounts/waiting-tasks', '/api/metrics/concurrency', '/api/settings']) {
      expect(doc.paths).toHaveProperty([p]);
    }
    expect((await stack.api.app.request('/docs')).status).toBe(200);
  });

  it('serves Prometheus metrics: request latency by route pattern and accounts by state', async () => {
    await call(stack, 'GET', '/api/tasks/some-task-id');
    const res = await stack.api.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/baton_http_request_duration_seconds_count\{method="GET",route="\/api\/tasks\/:taskId",status="404"\} \d+/);
    expect(text).toMatch(/baton_accounts\{state="AVAILABLE"\} \d+/);
    expect(text).toMatch(/baton_tasks_queued \d+/);
    expect(text).toContain('baton_projection_read_ok 1');
  });
});

describe('without a worker', () => {
  it('still accepts tasks durably, answers ?wait=true with 202, and falls back to the projection', async () => {
    const own = await startStack(temporal, { driver: 'pglite', worker: false, env: { SUBMIT_WAIT_TIMEOUT_MS: '800' } });
    try {
      const a = acct('api-noworker');
      const res = await call(own, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 } });
      expect(res.status).toBe(202);
      const waited = await call(own, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 1 } });
      expect(waited.status).toBe(202);
      expect(waited.body.live).toBe(false);
      const health = await call(own, 'GET', '/health');
      expect(health.status).toBe(503);
      expect(health.body.checks.workers.ok).toBe(false);
      await own.startWorker();
      await eventually(async () => (await call(own, 'GET', `/api/tasks/${waited.body.taskId}`)).body?.status === 'succeeded', { what: 'ran once a worker came' });
      expect((await call(own, 'GET', `/api/tasks/${res.body.taskId}`)).body.status).toBe('succeeded');
      // The projection follows the outcome a moment later (written by the workflow's flusher).
      await eventually(async () => {
        const page = (await call(own, 'GET', '/api/accounts/execution-states?state=AVAILABLE&limit=500')).body;
        return page.items.some((i: { accountId: string }) => i.accountId === a);
      }, { what: 'projection AVAILABLE' });
      await own.stopWorker();
      const detail = await call(own, 'GET', `/api/accounts/execution-states/${a}`);
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({ accountId: a, live: false, state: 'AVAILABLE', queueLength: 0 });
    } finally {
      await own.stop();
    }
  });
});

describe('auth', () => {
  it('needs a bearer key on every route but /health when API_KEYS is set', async () => {
    const own = await startStack(temporal, { driver: 'pglite', worker: false, env: { API_KEYS: 'k1,k2' } });
    try {
      expectError(await call(own, 'GET', '/api/tasks'), 401, 'unauthorized');
      expectError(await call(own, 'GET', '/api/tasks', undefined, { authorization: 'Bearer wrong' }), 401, 'unauthorized');
      expectError(await call(own, 'GET', '/openapi.json'), 401, 'unauthorized');
      expect((await call(own, 'GET', '/api/tasks', undefined, { authorization: 'Bearer k2' })).status).toBe(200);
      expect([200, 503]).toContain((await call(own, 'GET', '/health')).status);
    } finally {
      await own.stop();
    }
  });
});
