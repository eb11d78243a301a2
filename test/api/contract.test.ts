/**
 * The contract check itself (test/helpers/contract.ts): answers that stray from the OpenAPI document
 * fail, whether in a status, a media type, a field, or a message of an event stream.
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { describe, expect, it } from 'vitest';
import { ContractViolation, enforceContract } from '../helpers/contract';

const metrics = { totalAccountsTracked: 1, accountsRunning: 0, accountsWaiting: 0, accountsCooldown: 0, accountsSuspended: 0, totalTasksQueuedWaiting: 0, totalConcurrencyBlocks: 0, currentConcurrencyBlocks: 0, tasksRunning: 0 };
const task = { taskId: 't', accountId: 'a', type: 'sleep', payload: {}, status: 'queued', attempts: 0, priority: 0, createdAt: '2026-01-01T00:00:00.000Z' };
const event = { id: 1, taskId: 't', accountId: 'a', type: 'queued', at: '2026-01-01T00:00:00.000Z', data: null };

function app() {
  const a = new Hono();
  a.get('/api/metrics/concurrency', (c) => c.json(c.req.query('extra') ? { ...metrics, extra: 1 } : metrics));
  a.get('/api/tasks/:taskId', (c) => {
    const id = c.req.param('taskId');
    if (id === 'teapot') return c.json({ error: { code: 'teapot', message: 'no', details: null } }, 418 as never);
    if (id === 'text') return c.text('plain');
    if (id === 'missing') return c.json({ error: { code: 'task_not_found', message: 'no' } }, 404);
    if (id === 'extra') return c.json({ error: { code: 'validation_error', message: 'no', details: null }, hint: 'x' }, 400);
    return c.json(task);
  });
  a.get('/api/tasks/:taskId/events', (c) =>
    streamSSE(c, async (s) => {
      await s.writeSSE({ id: '1', event: 'queued', data: JSON.stringify(event) });
      await s.writeSSE(c.req.param('taskId') === 'bad'
        ? { id: '2', event: 'started', data: JSON.stringify({ ...event, id: 2, type: 'started', surprise: true }) }
        : { id: '2', event: 'succeeded', data: JSON.stringify({ ...event, id: 2, type: 'succeeded' }) });
    }));
  a.get('/nowhere', (c) => c.json({ ok: true }));
  return enforceContract(a);
}

describe('contract check', () => {
  it('passes answers the document describes', async () => {
    const a = app();
    expect((await a.request('/api/metrics/concurrency')).status).toBe(200);
    expect((await a.request('/api/tasks/t')).status).toBe(200);
    const stream = await a.request('/api/tasks/t/events');
    expect(await stream.text()).toContain('event: succeeded');
  });

  it('fails an undocumented field, status or media type, and a body off the error shape', async () => {
    const a = app();
    await expect(a.request('/api/metrics/concurrency?extra=1')).rejects.toThrow(/additional properties: extra/);
    await expect(a.request('/api/tasks/teapot')).rejects.toThrow(/418: status not documented/);
    await expect(a.request('/api/tasks/text')).rejects.toThrow(/media type text\/plain not documented/);
    await expect(a.request('/api/tasks/missing')).rejects.toThrow(ContractViolation); // error without details
    await expect(a.request('/api/tasks/extra')).rejects.toThrow(/additional properties: hint/); // a shared answer (components.responses)
    await expect(a.request('/nowhere')).rejects.toThrow(/no documented operation/);
  });

  it('fails a stream message whose data strays from its schema', async () => {
    const res = await app().request('/api/tasks/bad/events');
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow(/data of a `started` message does not match .*TaskEvent/);
  });
});
