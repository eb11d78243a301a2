/**
 * The settings page's retention panel in a real browser against the API (real Postgres, no Temporal: the
 * page and the cleanup need none): both periods shown, kept in step with a save, and the task ledger's
 * cleanup run on demand after a confirmation, which deletes what is due and says so.
 */
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listening } from '../../api/listen';
import { startApp, type AppFixture } from '../api/app-fixture';
import { accessibilityProblems, launchBrowser, openPage } from './browser';

const tid = (id: string) => `[data-testid="${id}"]`;

async function textOf(page: Page, testid: string, pattern: RegExp) {
  await page.locator(tid(testid)).waitFor();
  await page.waitForFunction(
    ([sel, src]) => new RegExp(src!).test(document.querySelector(sel!)?.textContent ?? ''),
    [tid(testid), pattern.source],
  ).catch(async (err) => {
    throw new Error(`${testid}: expected ${pattern}, saw ${JSON.stringify(await page.locator(tid(testid)).textContent())} (${(err as Error).message})`);
  });
}

describe('settings page: retention', () => {
  let f: AppFixture;
  let http: Listening;
  let browser: Browser;
  beforeAll(async () => {
    [f, browser] = await Promise.all([startApp({ driver: 'postgres' }), launchBrowser()]);
    http = await f.listen();
    await f.db.database.db.execute(sql`INSERT INTO tasks (task_id, account_id, type, payload, status, created_at, finished_at, delivered_at)
      VALUES ('r-old-1', 'r-acct', 'sleep', '{}', 'succeeded', now() - interval '20 days', now() - interval '20 days', now()),
             ('r-old-2', 'r-acct', 'sleep', '{}', 'failed', now() - interval '12 days', now() - interval '12 days', now()),
             ('r-new', 'r-acct', 'sleep', '{}', 'succeeded', now() - interval '2 days', now() - interval '2 days', now()),
             ('r-live', 'r-acct', 'sleep', '{}', 'queued', now() - interval '60 days', NULL, now())`);
  });
  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  it('shows both periods, follows a save, and deletes what is due after a confirmation', async () => {
    const d = await openPage(browser, http.url);
    try {
      const { page } = d;
      await page.goto('/#/settings');
      await textOf(page, 'retention-task-days', /^30 days$/);
      await textOf(page, 'retention-event-days', /^90 days$/);

      await page.locator(tid('setting-taskRetentionDays')).fill('7');
      await page.locator(tid('save-settings')).click();
      await textOf(page, 'settings-saved', /Task retention days/);
      await textOf(page, 'retention-task-days', /^7 days$/);

      await page.locator(tid('run-cleanup')).click();
      await textOf(page, 'cleanup-confirm', /finished before/);
      // Keeping them deletes nothing.
      await page.locator(tid('cleanup-no')).click();
      await page.locator(tid('run-cleanup')).click();
      await page.locator(tid('cleanup-yes')).click();
      await textOf(page, 'cleanup-result', /Deleted 2 finished tasks, 0 events, 0 error rows and 0 idle accounts/);
      await d.shot('settings-retention');
      expect(await accessibilityProblems(page)).toEqual([]);
      const left: unknown = await f.db.database.db.execute(sql`SELECT task_id FROM tasks ORDER BY 1`);
      expect((left as { rows: { task_id: string }[] }).rows.map((r) => r.task_id)).toEqual(['r-live', 'r-new']);
      expect(d.problems).toEqual([]);
    } finally {
      await d.close();
    }
  });
});
