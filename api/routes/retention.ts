/**
 * `POST /api/tasks/cleanup`: the task ledger's retention on demand (the daily schedule runs it too):
 * finished tasks older than `taskRetentionDays` with their events, error history as old, and account rows
 * idle that long with no task. Bounded batches (activities/cleanup.ts); the request stops after
 * `maxSeconds` and says whether anything is left, so no request runs for minutes.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { cleanupTasks } from '../../activities/cleanup';
import type { AppDeps } from '../app';
import { BODY_LIMITS, limitBody } from '../http/body-limit';
import { errorResponses, json } from './openapi';
import { createRouter } from '../router';

const count = z.number().int().min(0);

export const TaskCleanupQuery = z.object({
  maxSeconds: z.coerce.number().min(1).max(600).default(30).openapi({
    param: { name: 'maxSeconds', in: 'query' },
    description: 'Start no new batch after this many seconds (1 … 600; default 30); `done: false` then says to call again',
  }),
});

export const TaskCleanupResult = z
  .object({
    deleted: z
      .object({
        tasks: count.openapi({ description: 'Finished tasks (succeeded, failed, cancelled, skipped, deduplicated)' }),
        taskEvents: count.openapi({ description: 'Their lifecycle events' }),
        accountErrors: count.openapi({ description: 'Error history rows older than the period, and those of deleted accounts' }),
        accounts: count.openapi({ description: 'Account rows idle past the period with no task left' }),
      })
      .strict(),
    cutoff: z.string().datetime().openapi({ description: 'Rows older than this went (now − taskRetentionDays)' }),
    done: z.boolean().openapi({ description: 'False when maxSeconds ran out first: call again for the rest' }),
    batches: count.openapi({ description: 'Transactions it took' }),
    longestBatchMs: count.openapi({ description: 'The longest one transaction (so its locks) lasted, in ms' }),
    durationMs: count,
  })
  .strict()
  .openapi('TaskCleanupResult');

const cleanupRoute = createRoute({
  method: 'post',
  path: '/api/tasks/cleanup',
  operationId: 'cleanupTasks',
  tags: ['tasks'],
  summary: 'Delete finished tasks, their events and idle accounts past taskRetentionDays now (also runs daily)',
  description:
    'Live tasks (queued, running) are never deleted, nor accounts with a task, a suspension, a running cooldown or a submission being stored. '
    + 'Each batch is one short transaction; the request stops starting batches after `maxSeconds`.',
  middleware: [limitBody(BODY_LIMITS.control)] as const,
  request: { query: TaskCleanupQuery },
  responses: { 200: json(TaskCleanupResult, 'What went, and whether anything is left'), ...errorResponses([400, 401, 413, 503]) },
});

export function retentionRoutes(deps: AppDeps) {
  const app = createRouter();
  app.openapi(cleanupRoute, async (c) => {
    const { maxSeconds } = c.req.valid('query');
    const result = await cleanupTasks(deps.database.db, deps.settings, {
      deadline: Date.now() + maxSeconds * 1000,
      log: deps.log.child({ job: 'retention', via: 'api' }),
    });
    return c.json(result, 200);
  });
  return app;
}
