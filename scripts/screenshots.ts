/**
 * `npm run screenshots`: pictures of every dashboard page in docs/screenshots/, from a Baton of its own.
 *
 * Starts `npm start` (scripts/start.ts: Temporal dev server, worker, API, PGlite) on free ports in a
 * temporary directory, sends it a few minutes of traffic over HTTP (several accounts, mostly successes,
 * some failures, skips, interactions and rate limits), then sets the scene the pages are about: accounts
 * cooling down after a rate limit, one suspended, long tasks running with their dedupe keys held and
 * others queued behind them, one scheduled for later. Then headless Chromium captures each page of
 * `PAGES` (add a page there) and the stack is stopped by its pid.
 *
 * Options: --minutes=N of traffic before the capture (Default: 3; more fills more of the hour's charts),
 * --out=DIR (Default: docs/screenshots), --dark (also a dark-scheme overview). CHROMIUM names the browser
 * (Default: /usr/bin/chromium); the Temporal CLI is found or built as `npm start` does.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { freePort } from './temporal-cli';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=') ?? fallback;
const MINUTES = Number(arg('minutes', '3'));
const OUT = join(root, arg('out', 'docs/screenshots'));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** The account whose page is captured: it was rate limited mid-traffic, so its timeline shows a cooldown. */
const FEATURED = 'shop-berlin';
const ACCOUNTS = ['shop-berlin', 'shop-lisbon', 'shop-oslo', 'ads-main', 'ads-backup', 'crm-eu', 'crm-us', 'bot-support', 'bot-sales', 'feed-news'];

interface Shot {
  name: string;
  /** The dashboard route (a hash). */
  path: string | (() => string);
  /** What must be on the page before the picture (a selector); the live sign always is. */
  ready?: string;
}

let exampleTask = '';

/** Every page of the dashboard, in the order of its navigation. A new page is one more line. */
const PAGES: Shot[] = [
  { name: 'overview', path: '#/', ready: '[data-testid=chart-finished] canvas' },
  { name: 'account', path: `#/accounts/${FEATURED}`, ready: '[data-testid=account-timeline] [data-testid=timeline-row]' },
  { name: 'tasks', path: '#/tasks', ready: '[data-testid=task-row]' },
  { name: 'tasks-waiting', path: '#/tasks?view=waiting' },
  { name: 'task', path: () => `#/tasks/${exampleTask}`, ready: '[data-testid=task-event]' },
  { name: 'interactions', path: '#/interactions' },
  { name: 'dedupe-keys', path: '#/dedupe-keys' },
  { name: 'settings', path: '#/settings' },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startBaton(dataDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  // Its own Baton: no keys, embedded PGlite and its own dev server, whatever this shell points at.
  const inherited = { ...process.env };
  for (const name of ['API_KEYS', 'DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL']) delete inherited[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: {
      ...inherited,
      HOST: '127.0.0.1',
      PORT: String(port),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      BATON_DATA_DIR: dataDir,
      DEMO_HANDLERS: '1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (b: Buffer) => void (output = (output + b.toString()).slice(-8000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM'); // start.ts drains the worker and stops its dev server
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10 * 60_000; // building the Temporal CLI on a first run takes minutes
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${output}`);
    const ready = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ready) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Baton did not become ready:\n${output}`);
    }
    await sleep(500);
  }
}

async function api(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

type TaskInput = { accountId: string; type: string; payload: Record<string, unknown>; dedupeKey?: string; runAfter?: string };

async function batch(url: string, tasks: TaskInput[]): Promise<string[]> {
  const body = (await api(url, 'POST', '/api/tasks/batch', { tasks })) as { results: { taskId?: string }[] };
  return body.results.map((r) => r.taskId ?? '');
}

/** One wave of everyday traffic: a few tasks per account, mostly successes. */
function wave(n: number, waves: number): TaskInput[] {
  const tasks: TaskInput[] = [];
  ACCOUNTS.forEach((accountId, a) => {
    const count = 1 + ((a + n) % 3);
    for (let i = 0; i < count; i++) {
      const roll = (a * 31 + n * 17 + i * 7) % 20;
      let payload: Record<string, unknown> = { ms: 400 + ((a * 97 + n * 13 + i * 29) % 2600) };
      if (roll === 0) payload = { ms: 600, outcome: 'error' };
      else if (roll === 1) payload = { ms: 300, outcome: 'unavailable' };
      else if (roll === 2) payload = { ms: 500, outcome: 'transient', failTimes: 1 };
      else if (roll < 7) payload = { ms: 500, target: `customer-${(a + n + i) % 12}`, action: i % 2 ? 'message' : 'follow' };
      tasks.push({ accountId, type: 'simulate', payload });
    }
  });
  // The featured account is rate limited once, late enough to be among its last tasks and early enough
  // that the cooldown (a minute, the first backoff step) is over: its timeline shows both runs and the gap.
  if (n === Math.max(0, waves - 6)) tasks.push({ accountId: FEATURED, type: 'simulate', payload: { ms: 700, outcome: 'rate_limited', retryAfterMs: 20_000 } });
  return tasks;
}

/** The moment the pictures are about: cooldowns, a suspension, held dedupe keys, queues. */
async function setScene(url: string): Promise<void> {
  await batch(url, [
    { accountId: 'ads-main', type: 'simulate', payload: { ms: 800, outcome: 'rate_limited', retryAfterMs: 300_000 } },
    { accountId: 'ads-main', type: 'simulate', payload: { ms: 500 } },
    { accountId: 'bot-sales', type: 'simulate', payload: { ms: 800, outcome: 'rate_limited', retryAfterMs: 240_000 } },
    { accountId: 'bot-sales', type: 'simulate', payload: { ms: 500 }, dedupeKey: 'daily-digest' },
    { accountId: 'crm-eu', type: 'sleep', payload: { ms: 600_000 }, dedupeKey: 'nightly-export' },
    { accountId: 'crm-eu', type: 'simulate', payload: { ms: 500 }, dedupeKey: 'sync-contacts' },
    { accountId: 'crm-eu', type: 'simulate', payload: { ms: 500 } },
    { accountId: 'crm-us', type: 'sleep', payload: { ms: 600_000 }, dedupeKey: 'nightly-export' },
    { accountId: 'crm-us', type: 'simulate', payload: { ms: 500 }, dedupeKey: 'sync-contacts' },
    { accountId: 'feed-news', type: 'sleep', payload: { ms: 600_000 } },
    { accountId: 'feed-news', type: 'simulate', payload: { ms: 400 }, runAfter: new Date(Date.now() + 15 * 60_000).toISOString() },
    { accountId: FEATURED, type: 'sleep', payload: { ms: 600_000 }, dedupeKey: 'catalog-refresh' },
    { accountId: FEATURED, type: 'simulate', payload: { ms: 500 } },
  ]);
  await api(url, 'POST', '/api/accounts/bot-support/suspend', { reason: 'credentials rotated' });
  await batch(url, [
    { accountId: 'bot-support', type: 'simulate', payload: { ms: 500 } },
    { accountId: 'bot-support', type: 'simulate', payload: { ms: 500 } },
  ]);
}

async function capture(page: Page, base: string, shot: Shot): Promise<string> {
  const path = typeof shot.path === 'function' ? shot.path() : shot.path;
  await page.goto(`${base}/${path}`);
  await page.locator('[data-testid=stream-status][data-state=live]').waitFor();
  if (shot.ready) await page.locator(shot.ready).first().waitFor({ timeout: 20_000 }).catch(() => console.warn(`  ${shot.name}: "${shot.ready}" did not show; captured anyway`));
  await page.evaluate(() => document.fonts.ready);
  await sleep(600); // charts draw on the next frame, lists settle after their first live batch
  await page.evaluate(() => window.scrollTo(0, 0));
  const file = join(OUT, `${shot.name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-screenshots-'));
  await mkdir(OUT, { recursive: true });
  console.log('starting Baton (npm start) in', dataDir);
  const baton = await startBaton(dataDir);
  try {
    const waves = Math.max(1, Math.round((MINUTES * 60) / 15));
    console.log(`sending ${waves} waves of traffic, one every 15 s`);
    for (let n = 0; n < waves; n++) {
      const ids = await batch(baton.url, wave(n, waves));
      if (n === 0) exampleTask = ids[0]!;
      await sleep(15_000);
    }
    await setScene(baton.url);
    await sleep(5000);

    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      for (const scheme of process.argv.includes('--dark') ? (['light', 'dark'] as const) : (['light'] as const)) {
        const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme: scheme, locale: 'en-GB', timezoneId: 'UTC' });
        const page = await context.newPage();
        page.on('pageerror', (e) => console.warn(`  page error: ${e.message}`));
        for (const shot of scheme === 'light' ? PAGES : PAGES.filter((p) => p.name === 'overview')) {
          const file = await capture(page, baton.url, scheme === 'light' ? shot : { ...shot, name: `${shot.name}-dark` });
          console.log('  wrote', file.slice(root.length));
        }
        await context.close();
      }
    } finally {
      await browser.close();
    }
  } finally {
    await baton.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
