/**
 * What a dashboard test file shares among its tests: a Temporal dev server, a stack listening over HTTP and
 * a Chromium, started in beforeAll and stopped in afterAll; and `open`, which gives each test pages of its
 * own that are closed after it, with a screenshot of each first when the test failed (the first thing to
 * look at). `stack`, `http` and the rest stand for the started ones, as in test/helpers/stack-per-file.ts.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Listening } from '../../api/listen';
import { startStack, type TestStack } from '../helpers/stack';
import { standIn } from '../helpers/stack-per-file';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { launchBrowser, openPage, type DashboardPage } from './browser';

export interface DashboardStack {
  temporal: TestTemporal;
  stack: TestStack;
  http: Listening;
  browser: Browser;
  /** Opens `path` (on the stack, or on `baseURL`) in a page of its own and waits until the live feed is connected. */
  open(path?: string, opts?: Parameters<typeof openPage>[2], baseURL?: string): Promise<DashboardPage>;
  /** Closes `page` after the test too (a page opened with openPage for a page that never goes live). */
  keep(page: DashboardPage): DashboardPage;
}

export function dashboardPerFile(): DashboardStack {
  let temporal: TestTemporal | undefined;
  let stack: TestStack | undefined;
  let http: Listening | undefined;
  let browser: Browser | undefined;
  const opened: DashboardPage[] = [];

  beforeAll(async () => {
    [temporal, browser] = await Promise.all([startTestTemporal(), launchBrowser()]);
    stack = await startStack(temporal, { driver: 'pglite' });
    http = await stack.listen();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await temporal?.stop();
  });
  afterEach(async (ctx) => {
    const failed = ctx.task.result?.state === 'fail';
    for (const [i, d] of opened.splice(0).entries()) {
      if (failed) await d.shot(`FAILED-${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}-${i}`).catch(() => {});
      await d.close();
    }
  });

  const fixture = {
    temporal: standIn('Temporal dev server', () => temporal),
    stack: standIn('stack', () => stack),
    http: standIn('HTTP listener', () => http),
    browser: standIn('browser', () => browser),
    keep(page: DashboardPage) {
      opened.push(page);
      return page;
    },
    async open(path = '/', opts: Parameters<typeof openPage>[2] = {}, baseURL?: string) {
      const d = fixture.keep(await openPage(fixture.browser, baseURL ?? fixture.http.url, opts));
      await d.page.goto(path);
      await d.page.locator('[data-testid=stream-status][data-state=live]').waitFor();
      return d;
    },
  };
  return fixture;
}

/** A CSS selector for a data-testid. */
export const tid = (id: string) => `[data-testid="${id}"]`;
