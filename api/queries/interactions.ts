/**
 * Reads of the interaction tables: filtered, keyset-paged events (for the list and the streamed export),
 * and the window check for many targets.
 */
import type { z } from '@hono/zod-openapi';
import { and, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { interactionEvents, interactionLatest } from '../../db/schema';
import { IN_PROGRESS } from '../../activities/interactions';
import { ApiError } from '../http/errors';
import type { CheckResult, InteractionEvent, InteractionList } from '../schemas';
import { decodeCursor, encodeCursor } from './cursor';
import { interactionStatusOf } from './ledger-values';

export interface InteractionFilter {
  accountId?: string | undefined;
  target?: string | undefined;
  action?: string | undefined;
  status?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** Where a page ended: `ts` to the microsecond (a JS Date would round it and skip rows), then `id`. */
export interface EventCursor {
  ts: string;
  id: number;
}

const e = interactionEvents;
const MICRO_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeEventCursor(c: EventCursor): string {
  return encodeCursor([c.ts, c.id]);
}

export function decodeEventCursor(cursor: string): EventCursor {
  const [ts, id] = decodeCursor(cursor, ['string', 'number']) as [string, number];
  // The round trip refuses dates a JS Date rolls over (Feb 31) but Postgres would reject with an error.
  const valid = MICRO_TS.test(ts) && !ts.startsWith('0000') && !Number.isNaN(Date.parse(ts)) && new Date(ts).toISOString().slice(0, 23) === ts.slice(0, 23);
  if (!valid || !Number.isSafeInteger(id)) {
    throw new ApiError(400, 'invalid_cursor', 'the cursor is not one this API handed out');
  }
  return { ts, id };
}

function filterSql(f: InteractionFilter): SQL[] {
  const where: SQL[] = [];
  if (f.accountId) where.push(eq(e.accountId, f.accountId));
  if (f.target) where.push(eq(e.target, f.target));
  if (f.action) where.push(eq(e.action, f.action));
  if (f.status) where.push(eq(e.status, f.status));
  if (f.from) where.push(gte(e.ts, new Date(f.from)));
  if (f.to) where.push(lt(e.ts, new Date(f.to)));
  return where;
}

export type InteractionView = z.infer<typeof InteractionEvent>;

export function interactionView(r: typeof interactionEvents.$inferSelect): InteractionView {
  return {
    id: r.id,
    ts: r.ts.toISOString(),
    accountId: r.accountId,
    target: r.target,
    action: r.action,
    status: interactionStatusOf(r.status),
    reason: r.reason,
    taskId: r.taskId,
    workerId: r.workerId,
    latencyMs: r.latencyMs,
    metadata: r.metadata ?? null,
  };
}

/** One page, newest first, strictly after `after` in (ts desc, id desc) order. */
export async function pageInteractions(db: Db, f: InteractionFilter, after: EventCursor | null, limit: number) {
  const where = filterSql(f);
  if (after) where.push(sql`(${e.ts}, ${e.id}) < (${after.ts}::timestamptz, ${after.id}::bigint)`);
  const rows = await db
    .select({
      row: e,
      cursorTs: sql<string>`to_char(${e.ts} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(e)
    .where(where.length ? and(...where) : undefined)
    // NULLS LAST as in the (generated) index: plain DESC means NULLS FIRST, and the planner would sort instead.
    .orderBy(sql`${e.ts} DESC NULLS LAST`, sql`${e.id} DESC NULLS LAST`)
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => interactionView(r.row)),
    next: rows.length > limit && last ? { ts: last.cursorTs, id: last.row.id } : null,
  };
}

export async function listInteractions(db: Db, q: InteractionFilter & { limit: number; cursor?: string | undefined }): Promise<z.infer<typeof InteractionList>> {
  const page = await pageInteractions(db, q, q.cursor ? decodeEventCursor(q.cursor) : null, q.limit);
  return { items: page.items, nextCursor: page.next ? encodeEventCursor(page.next) : null };
}

/** Whether each target may be engaged now by `accountId` with `action`, and when it may if not. */
export async function checkTargets(db: Db, accountId: string, action: string, targets: string[]): Promise<z.infer<typeof CheckResult>> {
  const l = interactionLatest;
  const rows = await db
    .select({
      target: l.target,
      status: l.status,
      lastSuccessAt: l.lastSuccessAt,
      expiresAt: l.expiresAt,
      // The same rule as the claim in activities/interactions.ts, on the database's clock.
      blocked: sql<boolean>`(${l.status} IN ('success', ${IN_PROGRESS}) AND ${l.expiresAt} > now())`,
    })
    .from(l)
    .where(and(eq(l.accountId, accountId), eq(l.action, action), inArray(l.target, [...new Set(targets)])));
  const byTarget = new Map(rows.map((r) => [r.target, r]));
  return {
    results: targets.map((target) => {
      const r = byTarget.get(target);
      const blocked = r ? r.blocked === true || String(r.blocked) === 'true' : false;
      return {
        target,
        allowed: !blocked,
        ...(blocked && r?.expiresAt ? { nextAllowedAt: r.expiresAt.toISOString() } : {}),
        ...(r?.lastSuccessAt ? { lastSuccessAt: r.lastSuccessAt.toISOString() } : {}),
        ...(blocked && r?.status === IN_PROGRESS ? { inProgress: true } : {}),
      };
    }),
  };
}
