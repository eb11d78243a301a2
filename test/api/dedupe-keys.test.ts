/**
 * Dedupe keys as locks, at the HTTP edge on real Postgres (no Temporal: the ledger alone decides): the list
 * of held keys and its paging, the release with who did it and its event, 404 for a key not held, a release
 * racing submissions of the same key, and the held/refused figures in /api/metrics and /metrics.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type AppFixture } from './app-fixture';

let fx: AppFixture;
const KEY = 'dedupe-test-key';
const auth = { authorization: `Bearer ${KEY}` };

beforeAll(async () => {
  fx = await startApp({ driver: 'postgres', env: { API_KEYS: KEY } });
});

afterAll(async () => {
  await fx?.close();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fx.app.request(path, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.includes('json');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (isJson && text ? JSON.parse(text) : null) as any, text };
}

const acct = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
const submit = (accountId: string, dedupeKey: string) => call('POST', `/api/accounts/${accountId}/tasks`, { type: 'sleep', payload: { ms: 1 }, dedupeKey });
const keyPath = (accountId: string, key: string) => `/api/accounts/${accountId}/dedupe-keys/${encodeURIComponent(key)}`;

describe('GET /api/dedupe-keys', () => {
  it('lists each held key with its holder, filters by account and key, and pages without skipping or repeating', async () => {
    const a = acct('keys-a');
    const b = acct('keys-b');
    const held: Record<string, string> = {};
    for (const [account, key] of [[a, 'k1'], [a, 'k2'], [a, 'k3'], [b, 'k1'], [a, 'with/slash and %']] as const) {
      const res = await submit(account, key);
      expect(res.status, res.text).toBe(202);
      held[`${account} ${key}`] = res.body.taskId;
    }
    // A task without a key holds nothing.
    expect((await call('POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 } })).status).toBe(202);

    const forA = await call('GET', `/api/dedupe-keys?accountId=${a}`);
    expect(forA.status).toBe(200);
    expect(forA.body.items.map((i: { dedupeKey: string }) => i.dedupeKey)).toEqual(['k1', 'k2', 'k3', 'with/slash and %']);
    expect(forA.body.items[0]).toMatchObject({ accountId: a, dedupeKey: 'k1', taskId: held[`${a} k1`], taskType: 'sleep', taskStatus: 'queued' });
    expect(Date.parse(forA.body.items[0].heldSince)).not.toBeNaN();

    const k1 = await call('GET', `/api/dedupe-keys?key=k1&limit=500`);
    const mine = k1.body.items.filter((i: { accountId: string }) => i.accountId === a || i.accountId === b);
    expect(mine.map((i: { taskId: string }) => i.taskId).sort()).toEqual([held[`${a} k1`], held[`${b} k1`]].sort());

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof call>> = await call('GET', `/api/dedupe-keys?accountId=${a}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.body.items.map((i: { dedupeKey: string }) => i.dedupeKey));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['k1', 'k2', 'k3', 'with/slash and %']);
  });

  it('refuses a bad cursor and a bad limit with 400', async () => {
    expect((await call('GET', '/api/dedupe-keys?cursor=nope')).body.error.code).toBe('invalid_cursor');
    expect((await call('GET', '/api/dedupe-keys?limit=0')).status).toBe(400);
    expect((await call('GET', '/api/dedupe-keys?limit=501')).status).toBe(400);
  });
});

describe('DELETE /api/accounts/{accountId}/dedupe-keys/{key}', () => {
  it('releases the key: a new submission with it is accepted, the holder keeps it in its record and an event says who released it', async () => {
    const a = acct('release');
    const key = 'report/2026 #1';
    const first = await submit(a, key);
    expect(first.status).toBe(202);
    const refused = await submit(a, key);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'already_queued', details: { taskId: first.body.taskId } });

    const released = await call('DELETE', keyPath(a, key));
    expect(released.status, released.text).toBe(200);
    expect(released.body).toMatchObject({ accountId: a, dedupeKey: key, taskId: first.body.taskId, taskStatus: 'queued', releasedBy: 'key:key-1' });

    const holder = (await call('GET', `/api/tasks/${first.body.taskId}`)).body;
    expect(holder).toMatchObject({ status: 'queued', dedupeKey: key, dedupeReleasedAt: released.body.releasedAt });

    const second = await submit(a, key);
    expect(second.status, second.text).toBe(202);
    const list = (await call('GET', `/api/dedupe-keys?accountId=${a}`)).body.items;
    expect(list).toEqual([expect.objectContaining({ dedupeKey: key, taskId: second.body.taskId })]);
    expect((await submit(a, key)).body.error).toMatchObject({ code: 'already_queued', details: { taskId: second.body.taskId } });

    const events = await fx.app.request(`/api/tasks/${first.body.taskId}/events`, { headers: { ...auth, 'last-event-id': '0' } });
    // The stream stays open until the terminal event: read what it replayed, then stop.
    const reader = events.body!.getReader();
    let text = '';
    while (!text.includes('event: dedupe_released')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const data = JSON.parse(/event: dedupe_released\ndata: (.*)\n/.exec(text)![1]!);
    expect(data).toMatchObject({ type: 'dedupe_released', taskId: first.body.taskId, data: { dedupeKey: key, releasedBy: 'key:key-1' } });
  });

  it('answers 404 when the key is not held: never held, released already, or its holder finished', async () => {
    const a = acct('not-held');
    const never = await call('DELETE', keyPath(a, 'nobody'));
    expect(never.status).toBe(404);
    expect(never.body.error).toMatchObject({ code: 'dedupe_key_not_held', details: { accountId: a, dedupeKey: 'nobody' } });

    const t = await submit(a, 'once');
    expect((await call('DELETE', keyPath(a, 'once'))).status).toBe(200);
    expect((await call('DELETE', keyPath(a, 'once'))).body.error.code).toBe('dedupe_key_not_held');

    const c = await submit(a, 'cancelled');
    expect((await call('POST', `/api/tasks/${c.body.taskId}/cancel`)).body.status).toBe('cancelled');
    expect((await call('DELETE', keyPath(a, 'cancelled'))).status).toBe(404);
    expect(t.status).toBe(202);
  });

  it('refuses a key longer than a dedupe key may be, and a bad account id, with 400', async () => {
    expect((await call('DELETE', keyPath('acct', 'x'.repeat(257)))).status).toBe(400);
    expect((await call('DELETE', keyPath('bad id', 'k'))).status).toBe(400);
  });

  it('serialises with the intake: of submissions racing a release, those refused name the holder of their moment, one at most is accepted', async () => {
    for (let round = 0; round < 5; round++) {
      const a = acct('race');
      const first = await submit(a, 'hot');
      const [release, ...answers] = await Promise.all([call('DELETE', keyPath(a, 'hot')), ...Array.from({ length: 8 }, () => submit(a, 'hot'))]);
      expect(release.status).toBe(200);
      expect(release.body.taskId).toBe(first.body.taskId);
      const accepted = answers.filter((r) => r.status === 202);
      expect(accepted.length).toBeLessThanOrEqual(1);
      for (const r of answers.filter((x) => x.status !== 202)) {
        expect(r.status).toBe(409);
        expect([first.body.taskId, accepted[0]?.body.taskId]).toContain(r.body.error.details.taskId);
      }
      const held = (await call('GET', `/api/dedupe-keys?accountId=${a}`)).body.items;
      expect(held.map((h: { taskId: string }) => h.taskId)).toEqual(accepted.map((r) => r.body.taskId));
    }
  });
});

describe('dedupe-key figures', () => {
  it('count held keys and refusals by code in /api/metrics and /metrics', async () => {
    const before = (await call('GET', '/api/metrics')).body.dedupeKeys;
    const a = acct('figures');
    await submit(a, 'm1');
    await submit(a, 'm2');
    expect((await submit(a, 'm1')).status).toBe(409);
    const after = (await call('GET', '/api/metrics')).body.dedupeKeys;
    expect(after.held - before.held).toBe(2);
    expect(after.refusals.already_queued - before.refusals.already_queued).toBe(1);
    expect(after.refusals.already_running).toBe(before.refusals.already_running);

    await call('DELETE', keyPath(a, 'm2'));
    const text = (await call('GET', '/metrics')).text;
    const held = Number(/^baton_dedupe_keys_held (\d+)$/m.exec(text)![1]);
    expect(held).toBe((await call('GET', '/api/metrics')).body.dedupeKeys.held);
    expect(held).toBe(after.held - 1);
    expect(Number(/^baton_dedupe_refusals_total\{code="already_queued"\} (\d+)$/m.exec(text)![1])).toBe(after.refusals.already_queued);
    expect(text).toMatch(/^baton_dedupe_refusals_total\{code="already_running"\} \d+$/m);
  });
});
