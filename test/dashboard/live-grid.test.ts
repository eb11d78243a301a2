/**
 * The overview grid under a storm of account changes, against a stand-in API (no Temporal): 800 SSE
 * events over 80 accounts in about 12 s, new ones appearing mid-stream. When the storm stops, every card must
 * show its account's last state, with a countdown exactly on the accounts in cooldown and never two.
 * (hono/jsx/dom once left stale countdowns behind here; the page now keeps one clock per page.)
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dashboardRoutes } from '../../api/routes/dashboard';
import type { AppDeps } from '../../api/app';
import { createLogger } from '../../config/logger';
import type { Account } from '../../dashboard/client/types';
import { eventually } from '../helpers/wait';
import { launchBrowser, openPage } from './browser';

const ACCOUNTS = 80;
const EVENTS = 800;

let server: ServerType;
let url: string;
let browser: Browser;
const accounts = new Map<string, Account>();
let storming = true;

function change(id: string, n: number): Account {
  const r = (n * 7919) % 10;
  const state = r < 4 ? 'COOLDOWN' : r < 8 ? 'RUNNING' : 'AVAILABLE';
  const a: Account = {
    accountId: id,
    state,
    runningTaskId: state === 'RUNNING' ? `task-${n}` : null,
    runningTaskType: 'simulate',
    queueLength: n % 4,
    cooldownUntil: state === 'COOLDOWN' ? new Date(Date.now() + 60_000 + (n % 30) * 1000).toISOString() : null,
    consecutiveRateLimits: 0,
    updatedAt: new Date().toISOString(),
  };
  accounts.set(id, a);
  return a;
}

beforeAll(async () => {
  const app = new Hono();
  const deps = { handlers: new Map(), log: createLogger('silent', 'test') } as unknown as AppDeps;
  app.route('/', dashboardRoutes(deps));
  app.get('/api/metrics/concurrency', (c) => c.json({ totalAccountsTracked: accounts.size, accountsRunning: 0, accountsWaiting: 0, accountsCooldown: 0, accountsSuspended: 0, totalTasksQueuedWaiting: 0, totalConcurrencyBlocks: 0, currentConcurrencyBlocks: 0, tasksRunning: 0 }));
  app.get('/api/metrics', (c) => c.json({ error: { code: 'not_found', message: 'none here' } }, 404));
  app.get('/api/account-execution-states', (c) => c.json({ items: [...accounts.values()].sort((x, y) => (x.accountId < y.accountId ? -1 : 1)), nextCursor: null }));
  app.get('/api/events', (c) =>
    streamSSE(c, async (s) => {
      await s.write(': ready\n\n');
      // A fixed pseudo-random walk: accounts appear in no order, changes come 0 to 30 ms apart.
      let seed = 42;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (let n = 1; n <= EVENTS && !s.aborted; n++) {
        const id = `acc-${String(Math.floor(next() * ACCOUNTS)).padStart(2, '0')}`;
        await s.writeSSE({ id: String(n), event: 'account', data: JSON.stringify(change(id, Math.floor(next() * 1e6))) });
        await s.sleep(next() * 30);
      }
      storming = false;
      while (!s.aborted) await s.sleep(1000);
    }),
  );
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
      url = `http://127.0.0.1:${info.port}`;
      resolve();
    });
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

it('ends with every card showing its last state, one countdown per cooling account and none elsewhere', async () => {
  const d = await openPage(browser, url);
  try {
    await d.page.goto('/');
    await eventually(() => !storming || undefined, { timeoutMs: 60_000, what: 'the storm to end' });
    const expected = () => [...accounts.values()].map((a) => `${a.accountId}:${a.state}:${a.state === 'COOLDOWN' ? 1 : 0}`).sort();
    const shown = () =>
      d.page.locator('[data-testid=account-card]').evaluateAll((cards) =>
        cards.map((c) => `${c.getAttribute('data-account-id')}:${c.querySelector('[data-testid=state-badge]')?.getAttribute('data-state')}:${c.querySelectorAll('[data-testid=cooldown-countdown]').length}`).sort(),
      );
    await eventually(async () => JSON.stringify(await shown()) === JSON.stringify(expected()) || undefined, { timeoutMs: 15_000, what: 'the grid to settle' })
      .catch(async (err) => {
        await d.shot('FAILED-live-grid');
        const diff = (await shown()).filter((x) => !expected().includes(x));
        throw new Error(`${(err as Error).message}; cards that differ: ${diff.slice(0, 10).join(', ')}`);
      });
    expect(await d.page.locator('.account-line').evaluateAll((ls) => ls.filter((l) => l.querySelectorAll('.badge').length !== 1).length)).toBe(0);
    await d.shot('live-grid-storm');
    expect(d.problems).toEqual([]);
  } finally {
    await d.close();
  }
});
