/**
 * `GET /api/accounts/{accountId}/timeline`: the account's last tasks as stretches of time (queued,
 * running) with their outcome, and its cooldowns over the same span (api/queries/account-timeline.ts). The
 * account page draws it as bars on a time axis.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app';
import { accountTimeline } from '../queries/account-timeline';
import { ApiError } from '../http/errors';
import { AccountId, AccountTimeline } from '../schemas';
import { errorResponses, json } from './openapi';
import { createRouter } from '../router';

export const TIMELINE_LIMITS = { maxTasks: 100, defaultTasks: 20 } as const;

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
