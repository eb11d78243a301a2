/**
 * The series and timeline endpoints against ledger rows written at known times (real Postgres and
 * PGlite): tasks finished per bucket by outcome, the queued count walked back through the queue's moves
 * (requeues, retried attempts, cancels while queued, a task queued before the window), the cooldown
 * history the account_states trigger records, and the limits of the query.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { OUTCOMES } from '../../api/queries/metrics-series';
import { segmentsOf } from '../../api/queries/account-timeline';
import { mergeSeries } from '../../dashboard/client/components/charts/series-merge';
import type { MetricsSeries } from '../../dashboard/client/types';
import { TERMINAL_STATUSES } from '../../workflows/types';
import { startApp, type AppFixture } from './app-fixture';

const MINUTE = 60_000;

/** Starts the test away from a minute's edge, so the buckets it wrote into are the ones the API reads. */
async function awayFromMinuteEdge(): Promise<number> {
  const left = MINUTE - (Date.now() % MINUTE);
  if (left < 15_000) await new Promise((r) => setTimeout(r, left + 200));
  return Math.floor(Date.now() / MINUTE) * MINUTE;
}

interface Ev {
  task: string;
  type: string;
  at: number;
}

async function writeLedger(f: AppFixture, account: string, tasks: { id: string; status: string; createdAt: number }[], events: Ev[]) {
  const { db } = f.db.database;
  for (const t of tasks) {
    await db.execute(sql`INSERT INTO tasks (task_id, account_id, type, payload, status, created_at)
      VALUES (${t.id}, ${account}, 'sleep', '{}'::jsonb, ${t.status}, ${new Date(t.createdAt).toISOString()}::timestamptz)`);
  }
  for (const e of [...events].sort((a, b) => a.at - b.at)) {
    await db.execute(sql`INSERT INTO task_events (task_id, account_id, type, at)
      VALUES (${e.task}, ${account}, ${e.type}, ${new Date(e.at).toISOString()}::timestamptz)`);
  }
}

async function get(f: AppFixture, path: string) {
  const res = await f.app.request(path);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers checked field by field below
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe.each(['postgres', 'pglite'] as const)('series and timeline (%s)', (driver) => {
  let f: AppFixture;
  beforeAll(async () => {
    f = await startApp({ driver });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('counts finished tasks per bucket by outcome and queued tasks at each bucket end', async () => {
    const last = await awayFromMinuteEdge();
    const b = (k: number, s = 0) => last - (9 - k) * MINUTE + s * 1000; // bucket k of 10 (9 = now's)
    const tasks = [
      { id: 'a', status: 'succeeded', createdAt: b(1, 10) },
      { id: 'b', status: 'failed', createdAt: b(1, 20) },
      { id: 'c', status: 'cancelled', createdAt: b(0, -300) }, // queued before the window
      { id: 'd', status: 'queued', createdAt: b(2, 1) },
      { id: 'e', status: 'succeeded', createdAt: b(0, -600) }, // running since before the window
      { id: 'f', status: 'deduplicated', createdAt: b(8) }, // never queued
    ];
    await writeLedger(f, 'series-1', tasks, [
      { task: 'a', type: 'queued', at: b(1, 10) }, { task: 'a', type: 'started', at: b(2, 10) }, { task: 'a', type: 'progress', at: b(2, 15) },
      { task: 'a', type: 'succeeded', at: b(2, 20) },
      // rate limited once: queued again, then runs again and fails
      { task: 'b', type: 'queued', at: b(1, 20) }, { task: 'b', type: 'started', at: b(3, 5) }, { task: 'b', type: 'requeued', at: b(3, 10) },
      { task: 'b', type: 'started', at: b(5, 5) }, { task: 'b', type: 'failed', at: b(5, 10) },
      { task: 'c', type: 'queued', at: b(0, -300) }, { task: 'c', type: 'cancelled', at: b(4, 1) },
      { task: 'd', type: 'queued', at: b(2, 1) },
      // a retried attempt starts the running task again: it never was queued in the window
      { task: 'e', type: 'queued', at: b(0, -600) }, { task: 'e', type: 'started', at: b(0, -540) }, { task: 'e', type: 'retry', at: b(6) },
      { task: 'e', type: 'started', at: b(6, 1) }, { task: 'e', type: 'succeeded', at: b(7, 1) },
      { task: 'f', type: 'deduplicated', at: b(8) },
    ]);

    const { status, body } = await get(f, '/api/metrics/series?window=10m&step=1m');
    expect(status).toBe(200);
    expect(body.from).toBe(new Date(b(0)).toISOString());
    expect(body.stepSeconds).toBe(60);
    expect(body.outcomes).toEqual([...OUTCOMES]);
    expect(body.finished).toHaveLength(10);
    const nonZero = body.finished.flatMap((p: Record<string, number | string>, k: number) =>
      OUTCOMES.filter((o) => p[o] !== 0).map((o) => `${k}:${o}=${p[o]}`));
    expect(nonZero).toEqual(['2:succeeded=1', '4:cancelled=1', '5:failed=1', '7:succeeded=1', '8:deduplicated=1']);

    expect(body.queued.map((p: { count: number }) => p.count)).toEqual([1, 3, 3, 3, 2, 1, 1, 1, 1, 1]);
    expect(body.queued[0].at).toBe(new Date(b(1)).toISOString()); // a point is its bucket's end
    expect(body.queued[9].at).toBe(body.to); // the last one is now

    // A short window gives the same buckets the long one ends with (the dashboard's live updates).
    const short = await get(f, '/api/metrics/series?window=3m&step=1m');
    expect(short.body.finished).toEqual(body.finished.slice(7));
    expect(short.body.queued.slice(0, 2)).toEqual(body.queued.slice(7, 9));
  });

  it('answers 400 for windows and steps outside the limits', async () => {
    for (const q of ['window=25h', 'step=5s', 'window=7m&step=2m', 'window=2h&step=10s', 'window=1m&step=5m', 'window=1x', 'step=']) {
      const { status, body } = await get(f, `/api/metrics/series?${q}`);
      expect(status, q).toBe(400);
      expect(body.error.code, q).toBe('validation_error');
    }
    const ok = await get(f, '/api/metrics/series');
    expect(ok.status).toBe(200);
    expect([ok.body.window, ok.body.step, ok.body.finished.length]).toEqual(['1h', '1m', 60]);
  });

  it("draws an account's tasks as queued and running stretches, with its cooldowns from the trigger", async () => {
    const { db } = f.db.database;
    const t0 = Date.now() - 10 * MINUTE;
    const at = (s: number) => t0 + s * 1000;
    await db.execute(sql`INSERT INTO account_states (account_id, state) VALUES ('tl-1', 'AVAILABLE')`);
    await writeLedger(f, 'tl-1', [
      { id: 'tl-a', status: 'succeeded', createdAt: at(0) },
      { id: 'tl-b', status: 'running', createdAt: at(1) },
    ], [
      { task: 'tl-a', type: 'queued', at: at(0) }, { task: 'tl-a', type: 'started', at: at(2) }, { task: 'tl-a', type: 'requeued', at: at(3) },
      { task: 'tl-a', type: 'started', at: at(60) }, { task: 'tl-a', type: 'succeeded', at: at(61) },
      { task: 'tl-b', type: 'queued', at: at(1) }, { task: 'tl-b', type: 'started', at: at(62) },
    ]);
    // Three writes of the state row: a cooldown, a longer one replacing it, the end of it.
    const until = new Date(Date.now() + 60 * MINUTE).toISOString();
    await db.execute(sql`UPDATE account_states SET state = 'COOLDOWN', cooldown_until = ${until}::timestamptz, cooldown_reason = 'rate_limited' WHERE account_id = 'tl-1'`);
    await db.execute(sql`UPDATE account_states SET queue_length = 3 WHERE account_id = 'tl-1'`); // no cooldown change: no row
    await db.execute(sql`UPDATE account_states SET cooldown_until = ${new Date(Date.now() + 120 * MINUTE).toISOString()}::timestamptz, cooldown_reason = 'manual' WHERE account_id = 'tl-1'`);
    await db.execute(sql`UPDATE account_states SET state = 'AVAILABLE', cooldown_until = NULL, cooldown_reason = NULL WHERE account_id = 'tl-1'`);

    const { status, body } = await get(f, '/api/accounts/tl-1/timeline?limit=10');
    expect(status).toBe(200);
    expect(body.tasks.map((t: { taskId: string }) => t.taskId)).toEqual(['tl-b', 'tl-a']); // newest first
    const [b, a] = body.tasks;
    const iso = (s: number) => new Date(at(s)).toISOString();
    expect(a.segments).toEqual([
      { state: 'queued', from: iso(0), to: iso(2) },
      { state: 'running', from: iso(2), to: iso(3) },
      { state: 'queued', from: iso(3), to: iso(60) },
      { state: 'running', from: iso(60), to: iso(61) },
    ]);
    expect(b.segments).toEqual([{ state: 'queued', from: iso(1), to: iso(62) }, { state: 'running', from: iso(62), to: null }]);
    expect(body.cooldowns.map((c: { reason: string }) => c.reason)).toEqual(['rate_limited', 'manual']);
    for (const c of body.cooldowns) expect(c.endedAt).not.toBeNull(); // the first replaced, the second ended early
    expect(Date.parse(body.cooldowns[1].endedAt)).toBeLessThan(Date.parse(body.cooldowns[1].until));

    expect((await get(f, '/api/accounts/tl-1/timeline?limit=1')).body.tasks).toHaveLength(1);
    expect((await get(f, '/api/accounts/nobody-here/timeline')).status).toBe(404);
    expect((await get(f, '/api/accounts/tl-1/timeline?limit=101')).status).toBe(400);
  });

  it('keeps the newest 100 cooldowns of an account and drops them with the account', async () => {
    const { db } = f.db.database;
    await db.execute(sql`INSERT INTO account_states (account_id, state) VALUES ('tl-many', 'AVAILABLE')`);
    for (let i = 0; i < 103; i++) {
      await db.execute(sql`UPDATE account_states SET cooldown_until = ${new Date(Date.now() + (i + 1) * MINUTE).toISOString()}::timestamptz WHERE account_id = 'tl-many'`);
    }
    const count = async () => {
      const r = (await db.execute(sql`SELECT count(*)::int AS n FROM account_cooldowns WHERE account_id = 'tl-many'`)) as unknown as { rows: { n: number }[] };
      return r.rows[0]!.n;
    };
    expect(await count()).toBe(100);
    await db.execute(sql`DELETE FROM account_states WHERE account_id = 'tl-many'`);
    expect(await count()).toBe(0);
  });
});

describe('series pieces', () => {
  it('names every terminal status as an outcome', () => {
    expect([...OUTCOMES].sort()).toEqual([...TERMINAL_STATUSES].sort());
  });

  it('turns queue events into stretches: a retried start stays one running stretch, a cancel while queued ends it', () => {
    expect(segmentsOf([
      { type: 'queued', at: '1' }, { type: 'started', at: '2' }, { type: 'started', at: '3' }, { type: 'succeeded', at: '4' },
    ])).toEqual([{ state: 'queued', from: '1', to: '2' }, { state: 'running', from: '2', to: '4' }]);
    expect(segmentsOf([{ type: 'queued', at: '1' }, { type: 'cancelled', at: '5' }])).toEqual([{ state: 'queued', from: '1', to: '5' }]);
    expect(segmentsOf([{ type: 'deduplicated', at: '1' }])).toEqual([]);
  });

  it("lays a short window's buckets over the hour the dashboard holds, and drops the oldest", () => {
    const t = (m: number) => new Date(Date.UTC(2030, 0, 1, 12, m)).toISOString();
    const zero = { succeeded: 0, failed: 0, cancelled: 0, skipped: 0, deduplicated: 0 };
    const series = (from: number, to: number, now: string, n: (m: number) => number): MetricsSeries => {
      const minutes = Array.from({ length: to - from + 1 }, (_, i) => from + i);
      return {
        window: `${minutes.length}m`, step: '1m', stepSeconds: 60, from: t(from), to: now, outcomes: [...OUTCOMES],
        finished: minutes.map((m) => ({ at: t(m), ...zero, succeeded: n(m) })),
        queued: minutes.map((m, i) => ({ at: i === minutes.length - 1 ? now : t(m + 1), count: n(m) })),
      };
    };
    const hour = series(0, 4, '2030-01-01T12:04:30.000Z', (m) => m); // 5 buckets, the last filling at 12:04:30
    const recent = series(3, 5, '2030-01-01T12:05:10.000Z', (m) => 10 * m); // the next minute has begun
    const merged = mergeSeries(hour, recent, 5);
    expect(merged.finished.map((p) => [p.at.slice(11, 16), p.succeeded])).toEqual([['12:01', 1], ['12:02', 2], ['12:03', 30], ['12:04', 40], ['12:05', 50]]);
    // The old "now" point (12:04:30) goes: the new bucket ends replace it.
    expect(merged.queued.map((p) => [p.at.slice(11, 19), p.count])).toEqual([
      ['12:02:00', 1], ['12:03:00', 2], ['12:04:00', 30], ['12:05:00', 40], ['12:05:10', 50],
    ]);
    expect([merged.from, merged.to]).toEqual([t(1), '2030-01-01T12:05:10.000Z']);
  });
});
