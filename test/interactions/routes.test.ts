/**
 * The interaction routes through `app.request()` on both drivers, with events inserted straight into the
 * database: filters and keyset paging over thousands of events (ties in ts to the microsecond), the CSV
 * and JSON exports read back by real parsers, the window check, cleanup and the dashboard figures.
 * No Temporal: these routes only read and write Postgres.
 */
import { parse } from 'csv-parse/sync';
import { desc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env';
import { createLogger } from '../../config/logger';
import { buildApi } from '../../api/wiring';
import { EXPORT_PAGE_SIZE } from '../../api/routes/interactions';
import { interactionEvents, interactionLatest, tasks } from '../../db/schema';
import { enforceContract } from '../helpers/contract';
import { openTestDatabase, type DriverKind, type TestDatabase } from '../helpers/database';

type Api = Awaited<ReturnType<typeof buildApi>>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function request(api: Api, method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; text: string; body: any }> {
  const res = await api.app.request(path, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // CSV and the like
  }
  return { status: res.status, headers: res.headers, text, body: json };
}

const N = 3000;
const STATUSES = ['success', 'failed', 'skipped', 'retry', 'dedupe_hit'];

describe.each<DriverKind>(['postgres', 'pglite'])('interaction routes on %s', (driver) => {
  let t: TestDatabase;
  let api: Api;
  beforeAll(async () => {
    t = await openTestDatabase(driver);
    const config = loadConfig({ LOG_LEVEL: 'warn', TEMPORAL_ADDRESS: '127.0.0.1:9', BATON_DATA_DIR: t.dataDir, ...(t.url ? { DATABASE_URL: t.url } : {}) });
    api = await buildApi({ config, database: t.database, log: createLogger('warn', 'test') });
    enforceContract(api.app); // every answer is checked against the OpenAPI document
    // Many rows share a millisecond and differ only in microseconds, and many share the exact ts: a cursor
    // that rounded ts to milliseconds, or ignored the id, would skip or repeat rows.
    await t.database.execute(`
      INSERT INTO interaction_events (account_id, target, action, status, reason, task_id, worker_id, latency_ms, ts, metadata)
      SELECT 'page-' || (i % 3), 'target-' || (i % 17), CASE WHEN i % 2 = 0 THEN 'follow' ELSE 'like' END,
             (ARRAY['success','failed','skipped','retry','dedupe_hit'])[1 + i % 5], NULL, 'task-' || i, 'w1', i % 100,
             now() - interval '1 hour' + (i / 7) * interval '1 millisecond' + (i % 3) * interval '1 microsecond',
             jsonb_build_object('i', i)
      FROM generate_series(1, ${N}) AS i`);
  });
  afterAll(async () => {
    await api?.close();
    await t?.cleanup();
  });

  const pageThrough = async (query: string, limit: number) => {
    const ids: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await request(api, 'GET', `/api/interactions/events?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      ids.push(...res.body.items.map((i: { id: number }) => i.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    return { ids, pages };
  };

  it('pages through every event once, newest first, with no gaps or repeats', async () => {
    const ordered = (await t.database.db.select({ id: interactionEvents.id }).from(interactionEvents)
      .orderBy(desc(interactionEvents.ts), desc(interactionEvents.id))).map((r) => r.id);
    for (const limit of [1000, 137]) {
      const { ids, pages } = await pageThrough('', limit);
      expect(ids).toHaveLength(N);
      expect(new Set(ids).size).toBe(N);
      expect(pages).toBe(Math.ceil(N / limit));
      expect(ids).toEqual(ordered);
    }
    const first = await request(api, 'GET', '/api/interactions/events?limit=5');
    expect(first.body.items[0]).toMatchObject({ workerId: 'w1', metadata: { i: expect.any(Number) } });
    expect((await request(api, 'GET', '/api/interactions/events')).body.items).toHaveLength(100);
  });

  it('filters by account, target, action, status and time range', async () => {
    const { ids } = await pageThrough('accountId=page-1&status=success&action=like', 50);
    const expected = Array.from({ length: N }, (_, k) => k + 1).filter((i) => i % 3 === 1 && STATUSES[i % 5] === 'success' && i % 2 === 1);
    expect(ids).toHaveLength(expected.length);
    const one = await request(api, 'GET', '/api/interactions/events?target=target-4&accountId=page-2&limit=1000');
    expect(one.body.items.length).toBe(Array.from({ length: N }, (_, k) => k + 1).filter((i) => i % 17 === 4 && i % 3 === 2).length);
    for (const item of one.body.items) expect(item).toMatchObject({ target: 'target-4', accountId: 'page-2' });

    const page = (await request(api, 'GET', '/api/interactions/events?limit=1000')).body.items as { ts: string }[];
    const from = page[600]!.ts;
    const to = page[200]!.ts;
    const ranged = await pageThrough(`from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, 99);
    const rows = await t.database.db.select({ ts: interactionEvents.ts }).from(interactionEvents);
    expect(ranged.ids.length).toBe(rows.filter((r) => r.ts >= new Date(from) && r.ts < new Date(to)).length);
    expect(ranged.ids.length).toBeGreaterThan(300);
  });

  it('refuses bad filters, limits and cursors with 400', async () => {
    const cursor = (parts: unknown[]) => `cursor=${Buffer.from(JSON.stringify(parts)).toString('base64url')}`;
    for (const q of ['limit=1001', 'limit=0', 'status=done', 'from=yesterday', 'to=0000-01-01T00:00:00Z', 'cursor=nonsense',
      cursor(['2020-01-01', 1]), cursor(['0000-01-01T00:00:00.000000Z', 1]), cursor(['2020-02-31T00:00:00.000000Z', 1]), cursor(['2020-02-01T00:00:00.000000Z', 1.5])]) {
      const res = await request(api, 'GET', `/api/interactions/events?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toMatch(/validation_error|invalid_cursor/);
    }
    expect((await request(api, 'GET', '/api/interactions/export?format=xml')).status).toBe(400);
    expect((await request(api, 'GET', '/api/interactions/export?from=0000-01-01T00:00:00Z')).status).toBe(400);
    expect((await request(api, 'GET', '/api/interactions/events?target=a%00b')).status).toBe(400);
  });

  const tricky = [
    'plain',
    'comma, inside',
    'a "quoted" word',
    'line one\nline two',
    'crlf\r\nend',
    'ünïcødé — 日本語 🚀',
    '=SUM(A1:A9)',
    '+1 555 0100',
    '-2+3',
    '@cmd',
    '\tTAB',
    '\rCR',
  ];

  it('exports CSV (RFC 4180, formulas neutralised) that a CSV parser reads back', async () => {
    await t.database.db.insert(interactionEvents).values(tricky.map((target, i) => ({
      accountId: 'csv', target, action: 'follow', status: 'success', reason: i % 2 ? '=HYPERLINK("x")' : null,
      taskId: `t-${i}`, workerId: 'w, "1"', latencyMs: i, metadata: { note: target, n: i }, ts: new Date(Date.now() - i * 1000),
    })));
    const res = await request(api, 'GET', '/api/interactions/export?format=csv&accountId=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="interactions-\d{8}T\d{6}Z\.csv"$/);
    const header = res.text.slice(0, res.text.indexOf('\r\n'));
    expect(header).toBe('id,ts,accountId,target,action,status,reason,taskId,workerId,latencyMs,metadata');
    const records = parse(res.text, { columns: true, record_delimiter: '\r\n' }) as Record<string, string>[];
    expect(records).toHaveLength(tricky.length);
    const neutral = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
    records.forEach((r, i) => {
      expect(r.target).toBe(neutral(tricky[i]!));
      expect(r.reason).toBe(i % 2 ? `'=HYPERLINK("x")` : '');
      expect(r.workerId).toBe('w, "1"');
      expect(r.latencyMs).toBe(String(i));
      expect(JSON.parse(r.metadata!)).toEqual({ note: tricky[i], n: i });
      expect(r.accountId).toBe('csv');
    });
    // An empty result is the header alone.
    const empty = await request(api, 'GET', '/api/interactions/export?accountId=nobody');
    expect(empty.text).toBe(`${header}\r\n`);
  });

  it('exports JSON as one array equal to the paged list, across many export pages', async () => {
    const res = await request(api, 'GET', '/api/interactions/export?format=json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('content-disposition')).toMatch(/filename="interactions-\d{8}T\d{6}Z\.json"/);
    const exported = JSON.parse(res.text) as { id: number }[];
    expect(exported.length).toBe(N + tricky.length);
    expect(exported.length).toBeGreaterThan(EXPORT_PAGE_SIZE);
    const listed: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page = await request(api, 'GET', `/api/interactions/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      listed.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(exported).toEqual(listed);
    expect(JSON.parse((await request(api, 'GET', '/api/interactions/export?format=json&accountId=nobody')).text)).toEqual([]);
  });

  it('checks which targets may be engaged now and when the others may', async () => {
    const now = Date.now();
    const at = (ms: number) => new Date(now + ms);
    await t.database.db.insert(interactionLatest).values([
      { accountId: 'chk', target: 'live', action: 'follow', status: 'success', lastSuccessAt: at(-1000), expiresAt: at(3_600_000) },
      { accountId: 'chk', target: 'expired', action: 'follow', status: 'success', lastSuccessAt: at(-7200_000), expiresAt: at(-3_600_000) },
      { accountId: 'chk', target: 'busy', action: 'follow', status: 'in_progress', lastSuccessAt: null, expiresAt: at(60_000) },
      { accountId: 'chk', target: 'failed', action: 'follow', status: 'failed', lastSuccessAt: at(-9_000_000), expiresAt: null },
      { accountId: 'chk', target: 'live', action: 'like', status: 'success', lastSuccessAt: at(-1000), expiresAt: at(3_600_000) },
      { accountId: 'other', target: 'never', action: 'follow', status: 'success', lastSuccessAt: at(-1000), expiresAt: at(3_600_000) },
    ]);
    const res = await request(api, 'POST', '/api/interactions/check', { accountId: 'chk', action: 'follow', targets: ['live', 'expired', 'busy', 'failed', 'never', 'live'] });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { target: 'live', allowed: false, nextAllowedAt: at(3_600_000).toISOString(), lastSuccessAt: at(-1000).toISOString() },
      { target: 'expired', allowed: true, lastSuccessAt: at(-7200_000).toISOString() },
      { target: 'busy', allowed: false, nextAllowedAt: at(60_000).toISOString(), inProgress: true },
      { target: 'failed', allowed: true, lastSuccessAt: at(-9_000_000).toISOString() },
      { target: 'never', allowed: true },
      { target: 'live', allowed: false, nextAllowedAt: at(3_600_000).toISOString(), lastSuccessAt: at(-1000).toISOString() },
    ]);
    const many = Array.from({ length: 1000 }, (_, i) => `t${i}`);
    expect((await request(api, 'POST', '/api/interactions/check', { accountId: 'chk', action: 'follow', targets: many })).body.results).toHaveLength(1000);
    for (const bad of [{ accountId: 'chk', action: 'follow', targets: [] }, { accountId: 'chk', action: 'follow', targets: [...many, 'one more'] }, { accountId: 'chk', targets: ['x'] }, { accountId: 'chk', action: 'follow', targets: [''] }, { accountId: 'chk', action: 'follow', targets: ['nul\u0000'] }]) {
      const r = await request(api, 'POST', '/api/interactions/check', bad);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_error');
    }
  });

  it('documents the new routes in the OpenAPI document', async () => {
    const doc = (await request(api, 'GET', '/openapi.json')).body;
    for (const path of ['/api/interactions/events', '/api/interactions/export', '/api/interactions/check', '/api/interactions/cleanup', '/api/tasks/{taskId}/events', '/api/events', '/api/metrics']) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
  });

  it('dashboard metrics: tasks by status, interactions by status, dedupe hit rate, latency percentiles', async () => {
    const { db } = t.database;
    await db.delete(interactionEvents);
    await db.delete(tasks);
    await db.insert(tasks).values(['succeeded', 'succeeded', 'failed', 'queued'].map((status, i) => ({
      taskId: `m${i}`, accountId: 'm', type: 'sleep', payload: {}, status, createdAt: new Date(),
    })));
    const ev = (status: string, action: string, latencyMs: number | null, ageMs = 0) =>
      ({ accountId: 'm', target: 'x', action, status, latencyMs, ts: new Date(Date.now() - ageMs) });
    await db.insert(interactionEvents).values([
      ...[10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((ms) => ev('success', 'follow', ms)),
      ev('dedupe_hit', 'follow', null), ev('dedupe_hit', 'follow', null), ev('failed', 'like', 500),
      ev('success', 'follow', 9999, 25 * 3_600_000), // older than the 24 h window
    ]);
    const res = await request(api, 'GET', '/api/metrics');
    expect(res.status).toBe(200);
    expect(res.body.tasks.byStatus).toEqual({ succeeded: 2, failed: 1, queued: 1 });
    expect(res.body.interactions.byStatus).toEqual({ success: 10, dedupe_hit: 2, failed: 1 });
    expect(res.body.interactions.dedupeHitRate).toBeCloseTo(2 / 12, 6);
    expect(res.body.interactions.latencyByAction).toEqual([
      { action: 'follow', count: 10, p50Ms: 55, p95Ms: 95.5 },
      { action: 'like', count: 1, p50Ms: 500, p95Ms: 500 },
    ]);
  });

  it('cleanup through the API deletes and counts', async () => {
    const { db } = t.database;
    await db.delete(interactionEvents);
    await db.delete(interactionLatest);
    await request(api, 'PUT', '/api/settings', { eventRetentionDays: 2 });
    const now = Date.now();
    await db.insert(interactionLatest).values([
      { accountId: 'c', target: 'old', action: 'a', status: 'success', expiresAt: new Date(now - 1) },
      { accountId: 'c', target: 'new', action: 'a', status: 'success', expiresAt: new Date(now + 60_000) },
    ]);
    await db.insert(interactionEvents).values([3, 2.5, 1, 0].map((days) => ({ accountId: 'c', target: 't', action: 'a', status: 'success', ts: new Date(now - days * 86_400_000) })));
    const res = await request(api, 'POST', '/api/interactions/cleanup');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: { latest: 1, events: 2 } });
  });
});
