/** Interaction routes: the audit log (list, streamed export), the window check, and retention on demand. */
import { createRoute, z } from '@hono/zod-openapi';
import { stringify } from 'csv-stringify/sync';
import { cleanupInteractions } from '../../activities/cleanup';
import type { Db } from '../../db/client';
import type { AppDeps } from '../app';
import { checkTargets, listInteractions, pageInteractions, type EventCursor, type InteractionFilter, type InteractionView } from '../queries/interactions';
import { CheckRequest, CheckResult, CleanupResult, ExportInteractionsQuery, InteractionEvent, InteractionList, ListInteractionsQuery } from '../schemas';
import { errorResponses, json } from './openapi';
import { BODY_LIMITS, limitBody } from '../http/body-limit';
import { createRouter } from '../router';

const CSV_COLUMNS = ['id', 'ts', 'accountId', 'target', 'action', 'status', 'reason', 'taskId', 'workerId', 'latencyMs', 'metadata'] as const;

const listRoute = createRoute({
  method: 'get',
  path: '/api/interactions/events',
  operationId: 'listInteractionEvents',
  tags: ['interactions'],
  summary: 'Interaction events, newest first, filtered, cursor paged',
  request: { query: ListInteractionsQuery },
  responses: { 200: json(InteractionList, 'A page of events'), ...errorResponses([400, 401, 503]) },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/api/interactions/export',
  operationId: 'exportInteractionEvents',
  tags: ['interactions'],
  summary: 'Every matching interaction event as a CSV or JSON download, streamed',
  description: 'Same filters as the list. CSV is RFC 4180 (CRLF); cells starting with = + - @ tab or CR get a leading \' so spreadsheets do not run them.',
  request: { query: ExportInteractionsQuery },
  responses: {
    200: {
      content: {
        'text/csv': { schema: z.string().openapi({ description: `RFC 4180, a header row: ${CSV_COLUMNS.join(',')}; metadata as JSON` }) },
        'application/json': { schema: z.array(InteractionEvent) },
      },
      headers: { 'Content-Disposition': { description: '`attachment; filename="interactions-<time>.<format>"`', schema: { type: 'string' } } },
      description: 'The events (attachment)',
    },
    ...errorResponses([400, 401, 503]),
  },
});

const checkRoute = createRoute({
  method: 'post',
  path: '/api/interactions/check',
  operationId: 'checkInteractions',
  tags: ['interactions'],
  summary: 'Which targets an account may engage with an action now, and when the others may be',
  middleware: [limitBody(BODY_LIMITS.check)] as const,
  request: { body: { content: { 'application/json': { schema: CheckRequest } }, required: true } },
  responses: { 200: json(CheckResult, 'One result per target, in the order given'), ...errorResponses([400, 401, 413, 415, 503]) },
});

const cleanupRoute = createRoute({
  method: 'post',
  path: '/api/interactions/cleanup',
  operationId: 'cleanupInteractions',
  tags: ['interactions'],
  summary: 'Delete expired window rows and events past eventRetentionDays now (also runs daily)',
  middleware: [limitBody(BODY_LIMITS.control)] as const,
  responses: { 200: json(CleanupResult, 'How many rows went'), ...errorResponses([401, 413, 503]) },
});

/** Rows per database round trip of an export: small enough to keep memory flat, large enough to be quick. */
export const EXPORT_PAGE_SIZE = 2000;

const CSV_OPTIONS = { record_delimiter: 'windows', escape_formulas: true } as const;

function csvLines(rows: InteractionView[]): string {
  return stringify(
    rows.map((r) => CSV_COLUMNS.map((c) => (c === 'metadata' ? (r.metadata === null ? null : JSON.stringify(r.metadata)) : r[c]))),
    CSV_OPTIONS,
  );
}

/**
 * The export as a byte stream pulled page by page: the next page is read only when the client has taken
 * the previous one, so memory stays flat however many rows match and a slow client slows the reads.
 */
function exportStream(db: Db, filter: InteractionFilter, format: 'csv' | 'json'): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: EventCursor | null = null;
  let started = false;
  let written = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let text = '';
        if (!started) {
          started = true;
          text += format === 'csv' ? stringify([[...CSV_COLUMNS]], CSV_OPTIONS) : '[';
        }
        const page = await pageInteractions(db, filter, after, EXPORT_PAGE_SIZE);
        if (format === 'csv') {
          text += csvLines(page.items);
        } else {
          for (const item of page.items) text += `${written++ === 0 ? '\n' : ',\n'}${JSON.stringify(item)}`;
        }
        after = page.next;
        if (!after && format === 'json') text += written ? '\n]\n' : ']\n';
        if (text) controller.enqueue(encoder.encode(text));
        if (!after) controller.close();
      },
    },
    { highWaterMark: 1 },
  );
}

const fileStamp = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');

export function interactionRoutes(deps: AppDeps) {
  const app = createRouter();
  const { db } = deps.database;

  app.openapi(listRoute, async (c) => c.json(await listInteractions(db, c.req.valid('query')), 200));

  app.openapi(exportRoute, async (c) => {
    const { format, ...filter } = c.req.valid('query');
    // A bad filter or a database that is down answers with an error before the download starts.
    await pageInteractions(db, filter, null, 1);
    const filename = `interactions-${fileStamp(new Date())}.${format}`;
    return new Response(exportStream(db, filter, format), {
      status: 200,
      headers: {
        'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
        'Content-Disposition': `attachment; filename="${filename}"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      },
    });
  });

  app.openapi(checkRoute, async (c) => {
    const { accountId, action, targets } = c.req.valid('json');
    return c.json(await checkTargets(db, accountId, action, targets), 200);
  });

  // The daily schedule's retention of the interaction tables (activities/cleanup.ts), run here in the API
  // process as POST /api/tasks/cleanup runs the task ledger's: it deletes in bounded batches by age alone,
  // so it is safe beside a scheduled run, and it answers without a worker. It inserts or changes no row.
  app.openapi(cleanupRoute, async (c) => c.json(await cleanupInteractions(db, deps.settings), 200));

  return app;
}
