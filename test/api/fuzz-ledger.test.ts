/**
 * The fuzzer's other half: generated submissions against a real worker and real Postgres, so that what
 * the API accepts reaches the ledger's every write. Whatever a client sends, each acknowledged task ends in
 * one terminal status and no account stalls (invariants 3, 4 and 6).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { call } from '../helpers/stack';
import { stackPerFile } from '../helpers/stack-per-file';
import { eventually } from '../helpers/wait';

const { stack } = stackPerFile({ driver: 'postgres', env: { SUBMIT_WAIT_TIMEOUT_MS: '1000' } });

const run = `fz${Date.now().toString(36)}`;
const accounts = Array.from({ length: 12 }, (_, i) => `${run}-${i}`);
const nasty = fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff', '😀', 'é', "' OR 1=1 --", '__proto__', 'x'.repeat(600), ' ', '');
const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 10 }), nasty);
const payload = fc.oneof(
  fc.record({ ms: fc.integer({ min: 0, max: 20 }) }),
  fc.record(
    {
      ms: fc.integer({ min: 0, max: 10 }),
      outcome: fc.constantFrom('ok', 'error', 'transient', 'rate_limited', 'unavailable'),
      failTimes: fc.integer({ min: 0, max: 2 }),
      retryAfterMs: fc.integer({ min: 0, max: 300 }),
      target: text,
      action: text,
    },
    { requiredKeys: ['ms', 'outcome'] },
  ),
  fc.dictionary(text, fc.oneof(text, fc.integer()), { maxKeys: 3 }),
);
const task = fc.record(
  {
    type: fc.constantFrom('sleep', 'simulate', 'simulate', 'nope'),
    payload,
    taskId: fc.oneof(fc.constantFrom(`${run}-t1`, `${run}-t2`), fc.uuid(), text),
    dedupeKey: fc.oneof(fc.constantFrom('k1', 'k2'), text),
    priority: fc.integer({ min: -2, max: 2 }),
  },
  { requiredKeys: ['type', 'payload'] },
);
const request = fc.oneof(
  fc.record({ kind: fc.constant('single' as const), account: fc.constantFrom(...accounts), task, wait: fc.boolean(), key: fc.option(fc.constantFrom('i1', 'i2')) }),
  fc.record({ kind: fc.constant('batch' as const), items: fc.array(fc.record({ account: fc.constantFrom(...accounts), task }), { minLength: 1, maxLength: 6 }) }),
);

it('runs every acknowledged task to one terminal status and stalls no account, over 600 generated submissions', async () => {
  const acknowledged = new Set<string>();
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const res = r.kind === 'single'
        ? await call(stack, 'POST', `/api/accounts/${r.account}/tasks${r.wait ? '?wait=true' : ''}`, r.task, r.key ? { 'idempotency-key': r.key } : {})
        : await call(stack, 'POST', '/api/tasks/batch', { tasks: r.items.map((i) => ({ accountId: i.account, ...i.task })) });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBeLessThan(500);
      if (r.kind === 'single' && res.status < 300) acknowledged.add(res.body.taskId);
      if (r.kind === 'batch' && res.status < 300) {
        for (const item of res.body.results as { taskId?: string }[]) if (item.taskId) acknowledged.add(item.taskId);
      }
    }),
    { numRuns: 600, endOnFailure: true },
  );
  console.log(`fuzz-ledger: statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${acknowledged.size} tasks acknowledged`);
  expect(acknowledged.size).toBeGreaterThan(50);
  const terminal = ['succeeded', 'failed', 'cancelled', 'skipped', 'deduplicated'];
  await eventually(async () => {
    for (const id of acknowledged) {
      const t = (await call(stack, 'GET', `/api/tasks/${encodeURIComponent(id)}`)).body;
      if (!terminal.includes(t?.status)) return false;
    }
    return true;
  }, { timeoutMs: 180_000, intervalMs: 1000, what: 'every acknowledged task terminal' });
  // No account stalled: each one still runs a new task.
  const last = await Promise.all(accounts.map((a) => call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 } })));
  for (const res of last) {
    expect(res.status).toBe(202);
    await eventually(async () => (await call(stack, 'GET', `/api/tasks/${res.body.taskId}`)).body.status === 'succeeded', { timeoutMs: 60_000, what: 'a task after the fuzz' });
  }
}, 600_000);
