/** Dedupe keys as locks: the held keys across accounts, and an operator's release of one. */
import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app';
import { callerId } from '../http/caller';
import { listHeldKeys, releaseDedupeKey } from '../queries/dedupe-keys';
import { AccountId, DedupeKey, DedupeKeyRelease, HeldDedupeKeyList, LIMITS } from '../schemas';
import { errorResponses, json } from './openapi';
import { createRouter } from '../router';

const ListHeldKeysQuery = z.object({
  accountId: AccountId.optional().openapi({ param: { name: 'accountId', in: 'query' } }),
  key: DedupeKey.optional().openapi({ description: 'Only this key' }),
  limit: z.coerce.number().int().min(1).max(LIMITS.pageSize).default(LIMITS.defaultPageSize),
  cursor: z.string().max(1024).optional(),
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/dedupe-keys',
  operationId: 'listDedupeKeys',
  tags: ['dedupe-keys'],
  summary: 'Held dedupe keys: each with the queued or running task that holds it',
  description: 'In (accountId, dedupeKey) order, keyset paged: pass `nextCursor` back as `cursor`. A key released by an operator is not held.',
  request: { query: ListHeldKeysQuery },
  responses: { 200: json(HeldDedupeKeyList, 'A page of held keys'), ...errorResponses([400, 401, 503]) },
});

const releaseRoute = createRoute({
  method: 'delete',
  path: '/api/accounts/{accountId}/dedupe-keys/{dedupeKey}',
  operationId: 'releaseDedupeKey',
  tags: ['dedupe-keys'],
  summary: 'Force-release a dedupe key: its holder runs on, a new submission with the key is accepted',
  description:
    "The holder keeps running (or waiting) and keeps the key in its record, but no longer holds it. The release is recorded in the task's events (`dedupe_released`, with who released it). Percent-encode the key in the path.",
  request: { params: z.object({ accountId: AccountId, dedupeKey: DedupeKey.openapi({ param: { name: 'dedupeKey', in: 'path' } }) }) },
  responses: {
    200: json(DedupeKeyRelease, 'Released'),
    ...errorResponses([400, 401, 404, 503], { 404: '`dedupe_key_not_held`: no queued or running task of the account holds the key' }),
  },
});

export function dedupeKeyRoutes(deps: AppDeps) {
  const app = createRouter();
  const { db } = deps.database;

  app.openapi(listRoute, async (c) => c.json(await listHeldKeys(db, c.req.valid('query')), 200));

  app.openapi(releaseRoute, async (c) => {
    const { accountId, dedupeKey } = c.req.valid('param');
    const released = await releaseDedupeKey(db, accountId, dedupeKey, callerId(c));
    deps.log.info({ accountId, taskId: released.taskId, releasedBy: released.releasedBy }, 'dedupe key released');
    return c.json(released, 200);
  });

  return app;
}
