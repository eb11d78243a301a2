/**
 * `GET /api/accounts/{accountId}/timeline`: the account's last tasks as stretches of time (queued,
 * running) with their outcome, and its cooldowns over the same span (api/queries/account-timeline.ts). The
 * account page draws it as bars on a time axis.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app';
import { accountTimeline } from '../queries/account-timeline';
import { ApiError } from '../http/errors';
import { AccountId, TaskStatus } from '../schemas';
import { errorResponses, json } from './openapi';
import { createRouter } from '../router';

export const TIMELINE_LIMITS = { maxTasks: 100, defaultTasks: 20 } as const;

const TimelineSegment = z
  .object({
    state: z.enum(['queued', 'running']),
    from: z.string().openapi({ description: 'ISO 8601' }),
    to: z.string().nullable().openapi({ description: 'ISO 8601; null while it lasts' }),
  })
  .strict()
  .openapi('TimelineSegment');

const TimelineTask = z
  .object({
    taskId: z.string(),
    type: z.string(),
    status: TaskStatus,
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    segments: z.array(TimelineSegment).openapi({ description: 'Queued and running stretches in order; a rate-limited task is queued again and runs again' }),
  })
  .strict()
  .openapi('TimelineTask');

const TimelineCooldown = z
  .object({
    from: z.string().openapi({ description: 'When the cooldown was recorded' }),
    until: z.string().openapi({ description: 'When it was set to end' }),
    endedAt: z.string().nullable().openapi({ description: 'When it ended (earlier than `until` when ended early or replaced); null while it lasts' }),
    reason: z.string().nullable(),
  })
  .strict()
  .openapi('TimelineCooldown');

export const AccountTimeline = z
  .object({
    accountId: z.string(),
    to: z.string().openapi({ description: 'Now, on the server: open stretches end here' }),
    tasks: z.array(TimelineTask).openapi({ description: 'The last tasks, newest first' }),
    cooldowns: z.array(TimelineCooldown).openapi({ description: "The account's cooldowns that overlap the tasks' span, oldest first" }),
  })
  .strict()
  .openapi('AccountTimeline');

const route = createRoute({
  method: 'get',
  path: '/api/accounts/{accountId}/timeline',
  operationId: 'getAccountTimeline',
  tags: ['accounts'],
  summary: "The account's last tasks as queued and running stretches, with its cooldowns",
  request: {
    params: z.object({ accountId: AccountId }),
    query: z.object({
      limit: z.coerce.number().int().min(1).max(TIMELINE_LIMITS.maxTasks).default(TIMELINE_LIMITS.defaultTasks)
        .openapi({ description: `How many of the newest tasks (Default: ${TIMELINE_LIMITS.defaultTasks}; at most ${TIMELINE_LIMITS.maxTasks})` }),
    }),
  },
  responses: { 200: json(AccountTimeline, 'The timeline'), ...errorResponses([400, 401, 404, 503], { 404: '`account_not_found`: no task and no state of this account' }) },
});

export function accountTimelineRoutes(deps: AppDeps) {
  const app = createRouter();
  app.openapi(route, async (c) => {
    const { accountId } = c.req.valid('param');
    const { limit } = c.req.valid('query');
    const timeline = await accountTimeline(deps.database.db, accountId, limit);
    if (!timeline) throw new ApiError(404, 'account_not_found', `no account ${accountId} is tracked`);
    return c.json(timeline, 200);
  });
  return app;
}
