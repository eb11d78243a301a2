/**
 * The operators' pages in a real browser against a real stack (dev server, worker, API over HTTP): the
 * Dedupe keys page lists held keys and releases one after a confirmation, and the Tasks page's Waiting view
 * shows every waiting task across accounts with its reason, position and expected start, filtered by
 * reason, following the live feed. Screenshots land in test-results/dashboard/.
 */
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/stack';
import { eventually } from '../helpers/wait';
import { accessibilityProblems } from './browser';
import { dashboardPerFile, tid } from './stack-per-file';

const { stack, open } = dashboardPerFile();

async function submit(accountId: string, body: Record<string, unknown>): Promise<string> {
  const res = await call(stack, 'POST', `/api/accounts/${accountId}/tasks`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.taskId as string;
}
const status = async (taskId: string) => (await call(stack, 'GET', `/api/tasks/${taskId}`)).body.status as string;

describe('Dedupe keys page', () => {
  it('lists held keys and releases one after a confirmation; the holder runs on and the key is free', async () => {
    // Long enough to outlast the page's first load (its script is built on the first request).
    const running = await submit('keys-acct-1', { type: 'sleep', payload: { ms: 60_000 }, dedupeKey: 'nightly-report' });
    await submit('keys-acct-2', { type: 'sleep', payload: { ms: 1 }, dedupeKey: 'sync/contacts', runAfter: new Date(Date.now() + 3_600_000).toISOString() });
    await eventually(async () => (await status(running)) === 'running', { what: 'holder running' });

    const d = await open('/#/dedupe-keys');
    const { page } = d;
    const row = page.locator(`${tid('key-row')}[data-account="keys-acct-1"]`);
    await row.waitFor();
    expect(await row.locator(tid('key-name')).textContent()).toBe('nightly-report');
    await row.locator(`${tid('key-status')}[data-status=running]`).waitFor();
    await page.locator(`${tid('key-row')}[data-account="keys-acct-2"]`).waitFor();
    await d.shot('dedupe-keys');
    expect(await accessibilityProblems(page)).toEqual([]);

    // Filter by account.
    await page.locator(tid('keys-filter-account')).fill('keys-acct-2');
    await page.locator(tid('keys-apply')).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="key-row"]').length === 1);
    expect(await page.locator(tid('key-name')).textContent()).toBe('sync/contacts');
    await page.goBack();
    await row.waitFor();

    // Release asks first; "Keep it" changes nothing.
    await row.locator(tid('release-key')).click();
    await row.locator(tid('release-confirm')).waitFor();
    await d.shot('dedupe-keys-confirm', { fullPage: false });
    await row.locator(tid('release-no')).click();
    await row.locator(tid('release-key')).waitFor();
    expect((await call(stack, 'GET', '/api/dedupe-keys?accountId=keys-acct-1')).body.items).toHaveLength(1);

    await row.locator(tid('release-key')).click();
    await row.locator(tid('release-yes')).click();
    // The list follows: the released key leaves it.
    await row.waitFor({ state: 'detached' });
    expect(await status(running)).toBe('running');
    expect((await call(stack, 'POST', '/api/accounts/keys-acct-1/tasks', { type: 'sleep', payload: { ms: 1 }, dedupeKey: 'nightly-report' })).status).toBe(202);
    await row.waitFor(); // held again, by the new task
    expect(await row.getAttribute('data-task-id')).not.toBe(running);
    expect(d.problems).toEqual([]);
    await call(stack, 'POST', `/api/tasks/${running}/cancel`);
  });
});

describe('Tasks page: the Waiting view', () => {
  it('shows waiting tasks across accounts, oldest first, with reason, position and expected start, and filters by reason', async () => {
    // An account with a finished task (so durations are known), one running and two waiting behind it;
    // a scheduled task elsewhere; a suspended account with one waiting.
    const warmUp = await submit('wait-busy', { type: 'sleep', payload: { ms: 100 } });
    await eventually(async () => (await status(warmUp)) === 'succeeded', { what: 'warm-up done' });
    const head = await submit('wait-busy', { type: 'sleep', payload: { ms: 60_000 } });
    await eventually(async () => (await status(head)) === 'running', { what: 'head running' });
    const b1 = await submit('wait-busy', { type: 'sleep', payload: { ms: 1 } });
    const b2 = await submit('wait-busy', { type: 'sleep', payload: { ms: 1 } });
    const s1 = await submit('wait-later', { type: 'sleep', payload: { ms: 1 }, runAfter: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await call(stack, 'POST', '/api/accounts/wait-held/suspend', { reason: 'maintenance' })).status).toBe(202);
    await eventually(async () => (await call(stack, 'GET', '/api/account-execution-states/wait-held')).body?.state === 'SUSPENDED', { what: 'suspended' });
    const p1 = await submit('wait-held', { type: 'sleep', payload: { ms: 1 } });

    const d = await open('/#/tasks');
    const { page } = d;
    await page.locator(tid('view-waiting')).click();
    await page.locator(tid('waiting-view-table')).waitFor();
    const rowOf = (id: string) => page.locator(`${tid('waiting-view-row')}[data-task-id="${id}"]`);
    for (const id of [b1, b2, s1, p1]) await rowOf(id).waitFor();
    const order = await page.locator(tid('waiting-view-row')).evaluateAll((els) => els.map((e) => e.getAttribute('data-task-id')));
    expect(order.filter((id) => [b1, b2, s1, p1].includes(id!))).toEqual([b1, b2, s1, p1]);
    expect(await rowOf(b1).locator(tid('waiting-view-reason')).textContent()).toBe('Account busy');
    expect(await rowOf(b1).locator(tid('waiting-view-position')).textContent()).toBe('next');
    expect(await rowOf(b2).locator(tid('waiting-view-position')).textContent()).toBe('1');
    // An estimate ("now" once the running task has outlasted its account's typical duration, "in …" before).
    expect(await rowOf(b2).locator(tid('waiting-view-eta')).textContent()).toMatch(/^(now|in .+)$/);
    expect(await rowOf(s1).getAttribute('data-reason')).toBe('scheduled');
    expect(await rowOf(p1).locator(tid('waiting-view-eta')).textContent()).toBe('after a resume');
    await d.shot('tasks-waiting');
    expect(await accessibilityProblems(page)).toEqual([]);

    // Filter by reason: only the suspended account's task.
    await page.locator(tid('reason-account_suspended')).click();
    await page.waitForFunction(() => location.hash.includes('reason=account_suspended'));
    await rowOf(p1).waitFor();
    await rowOf(b1).waitFor({ state: 'detached' });
    const reasons = await page.locator(tid('waiting-view-row')).evaluateAll((els) => els.map((e) => e.getAttribute('data-reason')));
    expect(new Set(reasons)).toEqual(new Set(['account_suspended']));

    // Live: resuming the account starts its task, and it leaves the view without a reload.
    expect((await call(stack, 'POST', '/api/accounts/wait-held/resume')).status).toBe(202);
    await rowOf(p1).waitFor({ state: 'detached', timeout: 15_000 });
    await page.locator(tid('waiting-view-empty')).waitFor();
    expect(d.problems).toEqual([]);
  });
});
