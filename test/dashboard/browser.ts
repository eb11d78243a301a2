/**
 * Headless Chromium for the dashboard tests: the machine's own build (never a download), one page per
 * test, console errors and CSP violations collected, screenshots under test-results/dashboard/.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = join(process.cwd(), 'test-results', 'dashboard');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface DashboardPage {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught exceptions and CSP reports seen so far. */
  problems: string[];
  /** A full-page PNG under test-results/dashboard/ (`fullPage: false` for very long pages). */
  shot(name: string, opts?: { fullPage?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export async function openPage(browser: Browser, baseURL: string, opts: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {}): Promise<DashboardPage> {
  await mkdir(SHOTS, { recursive: true });
  const context = await browser.newContext({
    baseURL,
    acceptDownloads: true,
    viewport: opts.viewport ?? { width: 1366, height: 900 },
    colorScheme: opts.colorScheme ?? 'light',
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    // Chromium logs every 4xx answer; the page handles those (an unknown account, a refused form, the key prompt).
    if (m.type() === 'error' && !/the server responded with a status of 4\d\d/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return {
    context,
    page,
    problems,
    async shot(name, opts = {}) {
      // The header is sticky: from the top, a full-page shot shows it once, where it belongs.
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: opts.fullPage ?? true });
    },
    close: () => context.close(),
  };
}

/** Runs axe-core in the page and returns the serious and critical violations (impact, rule, targets). */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  const require = createRequire(import.meta.url);
  // The page's CSP refuses injected scripts; axe is evaluated through the DevTools protocol instead.
  const source = (await import('node:fs')).readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.targets.join(', ')}`);
}
