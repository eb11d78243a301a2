/**
 * The dashboard's pictures in a real browser against a real stack (Temporal dev server, worker, API over
 * HTTP): the overview's charts drawn from what the worker really did, then moving while the page stays
 * open as more tasks finish and queue up; the account timeline with a rate-limited task's two runs and
 * the cooldown between them. Waits are on what the page shows, never on a clock.
 */
import { describe, expect, it } from 'vitest';
import { call } from '../helpers/stack';
import { eventually } from '../helpers/wait';
import { accessibilityProblems, type DashboardPage } from './browser';
import { dashboardPerFile, tid } from './stack-per-file';

const { stack, open } = dashboardPerFile();

async function submit(accountId: string, body: unknown): Promise<string> {
  const res = await call(stack, 'POST', `/api/accounts/${accountId}/tasks`, body);
  expect(res.status).toBe(202);
  return res.body.taskId as string;
}

async function finished(taskIds: string[]): Promise<Record<string, string>> {
  return eventually(async () => {
    const out: Record<string, string> = {};
    for (const id of taskIds) {
      const { body } = await call(stack, 'GET', `/api/tasks/${id}`);
      if (body.status === 'queued' || body.status === 'running') return undefined;
      out[id] = body.status;
    }
    return out;
  }, { what: 'the tasks to finish', timeoutMs: 60_000 });
}

/** The series as the API has it, summed over the hour. */
async function apiTotals(): Promise<Record<string, number>> {
  const { body } = await call(stack, 'GET', '/api/metrics/series?window=1h&step=1m');
  const out: Record<string, number> = {};
  for (const p of body.finished) for (const o of body.outcomes as string[]) out[o] = (out[o] ?? 0) + p[o];
  return out;
}

const attr = async (d: DashboardPage, selector: string, name: string) => Number(await d.page.locator(selector).getAttribute(name));

describe('dashboard charts', () => {
  it('draws the last hour from what the worker did, and moves live as tasks finish and queue', async () => {
    const first = [
      await submit('chart-a', { type: 'simulate', payload: { ms: 10 } }),
      await submit('chart-a', { type: 'simulate', payload: { ms: 10, outcome: 'error' } }),
      await submit('chart-b', { type: 'simulate', payload: { ms: 10, outcome: 'unavailable' } }),
      await submit('chart-b', { type: 'simulate', payload: { ms: 10 } }),
      await submit('chart-c', { type: 'simulate', payload: { ms: 10 } }),
    ];
    const outcomes = await finished(first);
    expect(Object.values(outcomes).sort()).toEqual(['failed', 'skipped', 'succeeded', 'succeeded', 'succeeded']);

    const d = await open('/');
    const { page } = d;
    const finishedChart = tid('chart-finished');
    await page.locator(`${finishedChart} canvas`).waitFor();
    await page.locator(`${tid('chart-queued')} canvas`).waitFor();
    expect(await attr(d, finishedChart, 'data-points')).toBe(60);
    expect(await attr(d, finishedChart, 'data-total')).toBe(5);
    expect(await attr(d, tid('legend-succeeded'), 'data-count')).toBe(3);
    expect(await attr(d, tid('legend-failed'), 'data-count')).toBe(1);
    expect(await attr(d, tid('legend-skipped'), 'data-count')).toBe(1);
    expect(await apiTotals()).toMatchObject({ succeeded: 3, failed: 1, skipped: 1 });
    // The bars are really drawn: the canvas has pixels in the finished-tasks colour.
    const painted = await page.locator(`${finishedChart} canvas`).evaluate((canvas: HTMLCanvasElement) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && data[i + 1]! > 100 && data[i]! < 60) n++; // green-ish
      return n;
    });
    expect(painted).toBeGreaterThan(0);
    // Pointing at the current minute's bar reads it out.
    const box = (await page.locator(`${finishedChart} .u-over`).boundingBox())!;
    await page.mouse.move(box.x + box.width - 3, box.y + box.height / 2);
    await expect.poll(() => page.locator(tid('chart-readout')).textContent()).toMatch(/succeeded/);
    await d.shot('charts-overview');
    expect(await accessibilityProblems(page)).toEqual([]);

    // Live: a queue builds on one account while the page stays open, then drains; no reload.
    const before = await attr(d, tid('activity-charts'), 'data-updates');
    const more = [];
    for (let i = 0; i < 4; i++) more.push(await submit('chart-live', { type: 'simulate', payload: { ms: 1200 } }));
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-latest')) >= 2, tid('chart-queued'));
    await finished(more);
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-total')) === 9, finishedChart);
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-latest')) === 0, tid('chart-queued'));
    expect(await attr(d, tid('legend-succeeded'), 'data-count')).toBe(7);
    expect(await attr(d, tid('activity-charts'), 'data-updates')).toBeGreaterThan(before);
    await d.shot('charts-overview-live');
    expect(d.problems).toEqual([]);
  });

  it("shows an account's tasks on a time axis: one at a time, and the cooldown after a rate limit", async () => {
    const limited = await submit('tl-browser', { type: 'simulate', payload: { ms: 200, outcome: 'rate_limited', retryAfterMs: 1500 } });
    const next = await submit('tl-browser', { type: 'simulate', payload: { ms: 200 } });
    const d = await open('/#/accounts/tl-browser');
    const { page } = d;
    await page.locator(tid('account-timeline')).waitFor();
    const row = (id: string) => page.locator(`${tid('timeline-row')}[data-task-id="${id}"]`);
    // Live on the open page: the rate-limited task waits, runs, is queued again, runs again and succeeds.
    await row(limited).and(page.locator('[data-status=succeeded]')).waitFor({ timeout: 30_000 });
    await row(next).and(page.locator('[data-status=succeeded]')).waitFor({ timeout: 30_000 });
    expect(await row(limited).getAttribute('data-segments')).toBe('queued,running,queued,running');
    expect(await row(next).getAttribute('data-segments')).toBe('queued,running');
    await page.locator(tid('timeline-cooldown')).first().waitFor();
    expect(await page.locator(tid('timeline-row')).count()).toBe(2);

    // The picture agrees with the API: the runs never overlap, and the cooldown sits between the two runs.
    const { body } = await call(stack, 'GET', '/api/accounts/tl-browser/timeline');
    const runs = (body.tasks as { segments: { state: string; from: string; to: string }[] }[])
      .flatMap((t) => t.segments.filter((s) => s.state === 'running'))
      .map((s) => [Date.parse(s.from), Date.parse(s.to)] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < runs.length; i++) expect(runs[i]![0]).toBeGreaterThanOrEqual(runs[i - 1]![1]);
    const [cooldown] = body.cooldowns as { from: string; until: string; endedAt: string | null }[];
    const limitedRuns = body.tasks.find((t: { taskId: string }) => t.taskId === limited).segments.filter((s: { state: string }) => s.state === 'running');
    expect(Date.parse(cooldown!.from)).toBeGreaterThanOrEqual(Date.parse(limitedRuns[0].from));
    expect(Date.parse(cooldown!.until)).toBeLessThanOrEqual(Date.parse(limitedRuns[1].from) + 1000);
    await d.shot('charts-account-timeline');
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(d.problems).toEqual([]);
  });
});
