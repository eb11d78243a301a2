/**
 * The dashboard in a real browser (headless Chromium) against a real stack: Temporal dev server, worker,
 * API over HTTP. Every wait is on what the page shows (locators), never a fixed sleep. Screenshots of
 * each page land in test-results/dashboard/.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listening } from '../../api/listen';
import { accountStates } from '../../db/schema';
import { call, startStack, type TestStack } from '../helpers/stack';
import { eventually } from '../helpers/wait';
import { accessibilityProblems, openPage } from './browser';
import { startProxy } from './proxy';
import { dashboardPerFile, tid } from './stack-per-file';

const { temporal, stack, http, browser, open, keep } = dashboardPerFile();

async function submit(accountId: string, body: unknown): Promise<string> {
  const res = await call(stack, 'POST', `/api/accounts/${accountId}/tasks`, body);
  expect(res.status).toBe(202);
  return res.body.taskId as string;
}

async function fillSubmitForm(page: Page, fields: { type?: string; payload?: string; dedupeKey?: string }) {
  if (fields.type !== undefined) await page.locator(tid('task-type')).fill(fields.type);
  if (fields.payload !== undefined) await page.locator(tid('task-payload')).fill(fields.payload);
  if (fields.dedupeKey !== undefined) await page.locator(tid('task-dedupe')).fill(fields.dedupeKey);
  await page.locator(tid('submit-task')).click();
}

/** The task id the form reported, once it reports a new one. */
async function submittedTaskId(page: Page, previous = ''): Promise<string> {
  const result = page.locator(`${tid('submit-result')}:not([data-task-id=""]):not([data-task-id="${previous}"])`);
  await result.waitFor();
  return (await result.getAttribute('data-task-id'))!;
}

describe('dashboard in a browser', () => {
  it('shows an empty overview with a live stream, and passes an accessibility audit', async () => {
    const d = await open('/');
    await d.page.locator(tid('accounts-empty')).waitFor();
    expect(await d.page.locator(tid('count-running')).textContent()).toBe('0');
    await d.shot('overview-empty');
    expect(await accessibilityProblems(d.page)).toEqual([]);
    expect(d.problems).toEqual([]);
  });

  it('submits through the form and follows the task from waiting to running to succeeded', async () => {
    const d = await open('/#/accounts/form-1');
    const { page } = d;
    await page.locator(tid('account-unknown')).waitFor();
    await fillSubmitForm(page, { type: 'simulate', payload: '{"ms": 5000}' });
    const first = await submittedTaskId(page);
    await fillSubmitForm(page, { payload: '{"ms": 1500}' });
    const second = await submittedTaskId(page, first);

    // The account page explains the wait: the first task runs, the second is next.
    const row = page.locator(`${tid('waiting-row')}[data-task-id="${second}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-reason')).toBe('account_busy');
    expect(await row.locator(tid('waiting-reason')).textContent()).toContain(`running simulate ${first.slice(0, 8)}`);
    expect(await row.locator(tid('waiting-position')).textContent()).toBe('0');
    await page.locator(`${tid('state-badge')}[data-state=RUNNING]`).waitFor();
    await d.shot('account-waiting');
    expect(await accessibilityProblems(page)).toEqual([]);

    // The task page follows the event stream: queued, then running, then succeeded.
    await row.getByRole('link', { name: second.slice(0, 8) }).click();
    await page.locator(`${tid('task-page')}[data-task-id="${second}"]`).waitFor();
    await page.locator(`${tid('task-status')}[data-status=queued]`).waitFor();
    expect(await page.locator(tid('task-waiting')).textContent()).toContain('position 0');
    await page.locator(`${tid('task-status')}[data-status=running]`).waitFor({ timeout: 15_000 });
    await d.shot('task-running');
    await page.locator(`${tid('task-status')}[data-status=succeeded]`).waitFor({ timeout: 15_000 });
    await page.locator(`${tid('task-stream')}[data-state=ended]`).waitFor();
    const types = await page.locator(tid('task-event')).evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
    expect(types).toEqual(['queued', 'started', 'succeeded']);
    await page.locator(tid('task-result')).waitFor();
    await d.shot('task-succeeded');
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(d.problems).toEqual([]);
  });

  it("shows the server's validation errors next to the field", async () => {
    const d = await open('/#/accounts/form-2');
    const { page } = d;
    await fillSubmitForm(page, { type: 'simulate', payload: '{"ms": "soon"}' });
    await expectText(page, 'task-payload-error', /ms/);
    await fillSubmitForm(page, { payload: '{"ms": ' });
    await expectText(page, 'task-payload-error', /not valid JSON/);
    await fillSubmitForm(page, { type: 'no-such-type', payload: '{}' });
    await expectText(page, 'task-type-error', /no handler for task type/);
    await fillSubmitForm(page, { type: 'Bad Type', payload: '{}' });
    await expectText(page, 'task-type-error', /lower-case/);
    // A live dedupe key: the second submission is refused with a link to the first.
    await fillSubmitForm(page, { type: 'simulate', payload: '{"ms": 3000}', dedupeKey: 'nightly' });
    const first = await submittedTaskId(page);
    await fillSubmitForm(page, { payload: '{"ms": 10}', dedupeKey: 'nightly' });
    await expectText(page, 'task-dedupe-error', /dedupeKey "nightly" is (running|queued)/);
    await page.locator(tid('task-dedupe-error')).getByRole('link', { name: first.slice(0, 8) }).waitFor();
    await d.shot('account-validation');
    expect(d.problems).toEqual([]);
  });

  it('shows a cooldown counting down live on the overview and the account page, until it ends', async () => {
    const d = await open('/');
    const { page } = d;
    await submit('cool-1', { type: 'simulate', payload: { outcome: 'rate_limited', retryAfterMs: 4000 } });
    const card = page.locator(`${tid('account-card')}[data-account-id="cool-1"]`);
    await card.and(page.locator('[data-state=COOLDOWN]')).waitFor();
    const countdown = card.locator(tid('cooldown-countdown'));
    await countdown.waitFor();
    const before = await countdown.textContent();
    await page.waitForFunction((t) => document.querySelector('[data-account-id="cool-1"] [data-testid=cooldown-countdown]')?.textContent !== t, before);
    await d.shot('overview-cooldown');
    // It ends by itself: the task runs again and succeeds, the account comes back without a reload.
    await card.and(page.locator('[data-state=AVAILABLE]')).waitFor({ timeout: 20_000 });
    expect(await countdown.count()).toBe(0);

    // A manual cooldown from the account page, ended early.
    await page.goto('/#/accounts/cool-1');
    await page.locator(tid('cooldown-seconds')).fill('');
    await page.locator(tid('start-cooldown')).click();
    await expectText(page, 'cooldown-seconds-error', /greater than 0/);
    await page.locator(tid('cooldown-seconds')).fill('120');
    await page.locator(tid('start-cooldown')).click();
    await page.locator(`.page-head ${tid('cooldown-countdown')}`).waitFor();
    await page.locator(`${tid('state-badge')}[data-state=COOLDOWN]`).waitFor();
    await d.shot('account-cooldown');
    await page.locator(`${tid('end-cooldown')}:not([disabled])`).click();
    await page.locator(`${tid('state-badge')}[data-state=AVAILABLE]`).waitFor();
    expect(await page.locator(tid('cooldown-countdown')).count()).toBe(0);
    expect(d.problems).toEqual([]);
  });

  it('suspends and resumes an account; a waiting task says why it waits', async () => {
    const d = await open('/#/accounts/pause-1');
    const { page } = d;
    await fillSubmitForm(page, { type: 'simulate', payload: '{"ms": 10}' });
    await submittedTaskId(page);
    await page.locator('#suspend-reason').fill('maintenance window');
    await page.locator(tid('suspend')).click();
    await page.locator(`${tid('state-badge')}[data-state=SUSPENDED]`).waitFor();
    await fillSubmitForm(page, { payload: '{"ms": 10}' });
    const held = await submittedTaskId(page);
    const row = page.locator(`${tid('waiting-row')}[data-task-id="${held}"][data-reason=account_suspended]`);
    await row.waitFor();
    expect(await row.locator(tid('waiting-reason')).textContent()).toContain('suspended (maintenance window)');
    await d.shot('account-suspended');
    await page.locator(`${tid('resume')}:not([disabled])`).click();
    await page.locator(`${tid('task-row')}[data-task-id="${held}"][data-status=succeeded]`).waitFor();
    await page.locator(`${tid('state-badge')}[data-state=AVAILABLE]`).waitFor();
    expect(await page.locator(tid('waiting-row')).count()).toBe(0);
    expect(d.problems).toEqual([]);
  });

  it('lists tasks filtered by account and status', async () => {
    for (let i = 0; i < 3; i++) await submit('list-1', { type: 'simulate', payload: { ms: 10, outcome: i === 1 ? 'error' : 'ok' } });
    const d = await open('/#/tasks?accountId=list-1');
    const { page } = d;
    await eventually(async () => (await page.locator(`${tid('task-row')}[data-status=succeeded]`).count()) === 2 || undefined, { what: 'two succeeded rows' });
    await page.locator(`${tid('task-row')}[data-status=failed]`).waitFor();
    await page.locator(tid('filter-status')).selectOption('failed');
    await page.locator(tid('apply-filters')).click();
    await page.waitForURL(/status=failed/);
    await eventually(async () => (await page.locator(tid('task-row')).count()) === 1 || undefined, { what: 'one failed row' });
    expect(await page.locator(tid('task-row')).getAttribute('data-status')).toBe('failed');
    await d.shot('tasks-filtered');
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(d.problems).toEqual([]);
  });

  it('filters interactions and downloads exactly the filtered set as CSV and JSON', async () => {
    for (const [account, target] of [['ix-1', 'user:1'], ['ix-1', 'user:2'], ['ix-1', 'user:1'], ['ix-2', 'user:1']] as const) {
      await submit(account, { type: 'simulate', payload: { ms: 10, target, action: 'follow' } });
    }
    await eventually(async () => {
      const res = await call(stack, 'GET', '/api/tasks?accountId=ix-1&status=queued');
      const running = await call(stack, 'GET', '/api/tasks?accountId=ix-1&status=running');
      const done = await call(stack, 'GET', '/api/tasks?accountId=ix-2');
      return res.body.items.length + running.body.items.length === 0 && done.body.items[0]?.status === 'succeeded';
    }, { what: 'the interaction tasks to finish' });
    const d = await open('/#/interactions');
    const { page } = d;
    await page.locator(tid('ix-accountId')).fill('ix-1');
    await page.locator(tid('ix-apply')).click();
    await page.waitForURL(/accountId=ix-1/);
    await eventually(async () => (await page.locator(tid('interaction-row')).count()) === 3 || undefined, { what: 'three ix-1 rows' });
    await page.locator(`${tid('interaction-row')}[data-status=dedupe_hit]`).waitFor();
    await d.shot('interactions');
    expect(await accessibilityProblems(page)).toEqual([]);

    const [csv] = await Promise.all([page.waitForEvent('download'), page.locator(tid('export-csv')).click()]);
    expect(csv.suggestedFilename()).toMatch(/^interactions-.*\.csv$/);
    const lines = (await readFile((await csv.path())!, 'utf8')).trim().split('\r\n');
    expect(lines[0]).toBe('id,ts,accountId,target,action,status,reason,taskId,workerId,latencyMs,metadata');
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).every((l) => l.split(',')[2] === 'ix-1')).toBe(true);

    const [json] = await Promise.all([page.waitForEvent('download'), page.locator(tid('export-json')).click()]);
    const rows = JSON.parse(await readFile((await json.path())!, 'utf8')) as { accountId: string; status: string }[];
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.accountId))).toEqual(new Set(['ix-1']));
    expect(rows.map((r) => r.status).sort()).toEqual(['dedupe_hit', 'success', 'success']);
    expect(d.problems).toEqual([]);
  });

  it('saves settings, shows validation at the field, and reads them back', async () => {
    const d = await open('/#/settings');
    const { page } = d;
    const backoff = page.locator(tid('setting-rateLimitBackoffSeconds'));
    await backoff.waitFor();
    expect(await backoff.inputValue()).toBe('0.3, 0.6, 1.2');
    await page.locator(tid('setting-backoffJitter')).fill('5');
    await page.locator(tid('save-settings')).click();
    await expectText(page, 'setting-backoffJitter-error', /1/);
    await page.locator(tid('setting-backoffJitter')).fill('0');
    await backoff.fill('0.3, 0.6, 1.2, 2.4');
    await page.locator(tid('setting-eventRetentionDays')).fill('45');
    await page.locator(tid('save-settings')).click();
    await expectText(page, 'settings-saved', /Saved .*Rate limit backoff seconds.*Event retention days/);
    await d.shot('settings-saved');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.reload();
    await backoff.waitFor();
    expect(await backoff.inputValue()).toBe('0.3, 0.6, 1.2, 2.4');
    expect(await page.locator(tid('setting-eventRetentionDays')).inputValue()).toBe('45');
    expect((await call(stack, 'GET', '/api/settings')).body.eventRetentionDays).toBe(45);
    expect(d.problems).toEqual([]);
  });

  it('shows when the live stream is down and reconnects by itself', async () => {
    const proxy = await startProxy(http.port);
    try {
      const d = await open('/', {}, proxy.url);
      await d.page.locator(tid('account-card')).first().waitFor();
      await proxy.cut();
      await d.page.locator(`${tid('stream-status')}[data-state=down]`).waitFor();
      await d.shot('overview-stream-down');
      // A change made while the page cannot hear arrives after the reconnect (Last-Event-ID replay).
      await submit('during-outage', { type: 'simulate', payload: { ms: 10 } });
      await eventually(async () => (await call(stack, 'GET', '/api/accounts/execution-states/during-outage')).status === 200, { what: 'the account' });
      await proxy.restore();
      await d.page.locator(`${tid('stream-status')}[data-state=live]`).waitFor();
      await d.page.locator(`${tid('account-card')}[data-account-id="during-outage"]`).waitFor();
      d.problems.length = 0; // the refused connections were logged while cut
    } finally {
      await proxy.close();
    }
  });

  it('follows a burst across 50 accounts live, and explains every waiting task', async () => {
    const d = await open('/');
    const { page } = d;
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    const accounts = Array.from({ length: 50 }, (_, i) => `burst-${String(i).padStart(2, '0')}`);
    const tasks = accounts.flatMap((accountId, i) => [
      { accountId, type: 'simulate', payload: i % 5 === 0 ? { ms: 200, outcome: 'rate_limited', retryAfterMs: 15_000 } : { ms: 300 + (i % 7) * 100 } },
      { accountId, type: 'simulate', payload: { ms: 400 } },
      { accountId, type: 'simulate', payload: { ms: 400 } },
    ]);
    const res = await call(stack, 'POST', '/api/tasks/batch', { tasks });
    expect(res.status).toBe(202);
    const burst = page.locator(`${tid('account-card')}[data-account-id^="burst-"]`);
    await page.locator(`${tid('account-card')}[data-account-id="burst-00"][data-state=COOLDOWN] ${tid('cooldown-countdown')}`).waitFor({ timeout: 30_000 });
    await page.locator(`${tid('account-card')}[data-account-id^="burst-"][data-state=RUNNING]`).first().waitFor();
    await d.shot('overview-burst');

    // A rate-limited account: every waiting task says why, with a position.
    await page.goto('/#/accounts/burst-00');
    const rows = page.locator(tid('waiting-row'));
    await page.locator(`${tid('waiting-row')}[data-reason=account_cooldown]`).first().waitFor();
    const all = await rows.all();
    expect(all.length).toBe(3); // the rate-limited task back at the head, and the two behind it
    for (const [i, r] of all.entries()) {
      expect(await r.getAttribute('data-reason')).toBe('account_cooldown');
      expect(await r.locator(tid('waiting-position')).textContent()).toBe(String(i));
      expect(await r.locator(tid('waiting-reason')).textContent()).toMatch(/cooling down until .*\(cooldown .* after rate limit #1.*\)\. (It is next|\d tasks? (is|are) ahead of it)\./);
    }
    await d.shot('account-burst-cooldown');
    await page.setViewportSize({ width: 390, height: 844 });
    await d.shot('account-burst-phone');
    await page.goto('/#/');
    await eventually(async () => (await burst.count()) === 50 || undefined, { what: '50 burst cards' });
    await d.shot('overview-burst-phone');
    await page.setViewportSize({ width: 1366, height: 900 });

    // The cooldowns end and the queues drain, all without a reload.
    await page.locator(`${tid('count-tasks-waiting')}:text-is("0")`).waitFor({ timeout: 60_000 });
    await eventually(async () => (await page.locator(`${tid('account-card')}[data-account-id^="burst-"][data-state=AVAILABLE]`).count()) === 50 || undefined,
      { timeoutMs: 30_000, what: 'every burst account available again' });
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
    await d.shot('overview-burst-done');
    expect(d.problems).toEqual([]);
  });
  it('pages through 10,000 accounts, forward to the end and back, with and without a state filter', async () => {
    // Projection rows only (no workflows): what the overview reads. Every tenth is suspended.
    const rows = Array.from({ length: 10_000 }, (_, i) => ({
      accountId: `fleet-${String(i).padStart(5, '0')}`,
      state: i % 10 === 0 ? 'SUSPENDED' : 'AVAILABLE',
      suspendedReason: i % 10 === 0 ? 'parked' : null,
    }));
    for (let i = 0; i < rows.length; i += 1000) await stack.db.database.db.insert(accountStates).values(rows.slice(i, i + 1000));
    const total = (await call(stack, 'GET', '/api/metrics/concurrency')).body.totalAccountsTracked as number;
    expect(total).toBeGreaterThanOrEqual(10_000);

    const d = await open('/#/?limit=500');
    const { page } = d;
    const cards = page.locator(tid('account-card'));
    const idsOnPage = () => cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-account-id')!));
    /** Clicks Next and waits for a page that starts after `last`. */
    const next = async (last: string) => {
      await page.locator(tid('page-next')).click();
      await page.waitForFunction((l) => {
        const first = document.querySelector('[data-testid=account-card]')?.getAttribute('data-account-id');
        return first !== undefined && first !== null && first > l && document.querySelector('[data-testid=account-grid]')?.getAttribute('aria-busy') === 'false';
      }, last);
    };
    const seen: string[] = [];
    const pages: string[][] = [];
    for (;;) {
      await page.locator(`${tid('account-grid')}[aria-busy=false] ${tid('account-card')}`).first().waitFor();
      const ids = await idsOnPage();
      pages.push(ids);
      seen.push(...ids);
      if (pages.length === 1) await d.shot('overview-10k-first-page', { fullPage: false });
      if (await page.locator(`${tid('page-next')}[disabled]`).count()) break;
      expect(ids).toHaveLength(500);
      await next(ids[ids.length - 1]!);
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect([...seen].sort()).toEqual(seen); // ascending, page after page
    expect(pages.length).toBe(Math.ceil(total / 500));
    // Back one page: exactly the page before.
    await page.locator(tid('page-prev')).click();
    await page.waitForFunction((f) => document.querySelector('[data-testid=account-card]')?.getAttribute('data-account-id') === f, pages[pages.length - 2]![0]!);
    expect(await idsOnPage()).toEqual(pages[pages.length - 2]);

    // The state filter pages too: 1,000 suspended accounts in two pages.
    await page.locator(tid('state-filter')).selectOption('SUSPENDED');
    await page.waitForURL(/state=SUSPENDED/);
    await page.locator(`${tid('account-card')}[data-state=SUSPENDED]`).first().waitFor();
    await eventually(async () => (await cards.count()) === 500 || undefined, { what: 'a page of suspended accounts' });
    expect(await page.locator(`${tid('account-card')}:not([data-state=SUSPENDED])`).count()).toBe(0);
    const firstSuspended = await idsOnPage();
    await next(firstSuspended[499]!);
    expect(await cards.count()).toBe(500);
    await page.locator(`${tid('page-next')}[disabled]`).waitFor();
    await d.shot('overview-10k-suspended', { fullPage: false });
    expect(d.problems).toEqual([]);
  });
});

describe('dashboard with API keys', () => {
  let keyed: TestStack;
  let keyedHttp: Listening;

  beforeAll(async () => {
    keyed = await startStack(temporal, { driver: 'pglite', env: { API_KEYS: 'secret-1' } });
    keyedHttp = await keyed.listen();
  });
  afterAll(async () => {
    await keyed?.stop();
  });

  it('asks for a key, keeps it for the session, sends it as a Bearer header and streams with it', async () => {
    const d = keep(await openPage(browser, keyedHttp.url));
    const { page } = d;
    const auth: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/')) auth.push(r.headers().authorization ?? '');
    });
    await page.goto('/');
    await page.locator(tid('key-prompt')).waitFor();
    await d.shot('key-prompt');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.locator(tid('key-input')).fill('wrong');
    await page.locator(tid('key-submit')).click();
    await expectText(page, 'key-refused', /not valid/);
    await page.locator(tid('key-input')).fill('secret-1');
    await page.locator(tid('key-submit')).click();
    await page.locator(`${tid('stream-status')}[data-state=live]`).waitFor();
    await page.locator(tid('accounts-empty')).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('baton.apiKey'))).toBe('secret-1');

    // Live updates through the keyed stream.
    const res = await call(keyed, 'POST', '/api/accounts/keyed-1/tasks', { type: 'simulate', payload: { ms: 10, target: 't', action: 'a' } }, { authorization: 'Bearer secret-1' });
    expect(res.status).toBe(202);
    await page.locator(`${tid('account-card')}[data-account-id="keyed-1"]`).waitFor();
    expect(auth.at(-1)).toBe('Bearer secret-1');

    // A reload keeps the key (same tab session); the export goes through fetch with the header.
    await page.reload();
    await page.locator(`${tid('stream-status')}[data-state=live]`).waitFor();
    expect(await page.locator(tid('key-prompt')).count()).toBe(0);
    await page.goto('/#/interactions');
    await page.locator(tid('interaction-row')).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(tid('export-json')).click()]);
    expect(JSON.parse(await readFile((await download.path())!, 'utf8'))).toHaveLength(1);

    await page.locator(tid('forget-key')).click();
    await page.locator(tid('key-prompt')).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('baton.apiKey'))).toBeNull();
    expect(d.problems).toEqual([]);
  });
});

async function expectText(page: Page, testid: string, pattern: RegExp) {
  const el = page.locator(tid(testid));
  await el.waitFor();
  await page.waitForFunction(
    ([sel, src, flags]) => new RegExp(src!, flags).test(document.querySelector(sel!)?.textContent ?? ''),
    [tid(testid), pattern.source, pattern.flags],
  ).catch(async (err) => {
    throw new Error(`${testid}: expected ${pattern}, saw ${JSON.stringify(await el.textContent())} (${(err as Error).message})`);
  });
}
