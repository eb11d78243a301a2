/**
 * Account health: execution state merged with error state (consecutive counters, cooldown, breaker and its
 * history, the last errors), and per-account overrides of the backoff and queue settings.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { accountOverridesSchema } from '../../config/settings';
import type { AppDeps } from '../app';
import { errorResponses, json } from './openapi';
import { BODY_LIMITS, limitBody } from '../http/body-limit';
import { ApiError } from '../http/errors';
import { getAccountHealth, listAccountHealth } from '../queries/account-health';
import { AccountHealth, AccountHealthList, AccountId, AccountState, LIMITS } from '../schemas';
import { withLegacyPath, type RouteSet } from './accounts';
import { createRouter } from '../router';

// Rebuilt with the OpenAPI-aware `z` (see routes/settings.ts).
const Overrides = z.object(accountOverridesSchema.shape).strict().openapi('AccountOverrides');
const OverridesAnswer = z.object({ accountId: z.string(), overrides: Overrides.nullable() }).strict().openapi('AccountOverridesAnswer');
const params = z.object({ accountId: AccountId });

const listRoutes = withLegacyPath(createRoute({
  method: 'get',
  path: '/api/account-states',
  operationId: 'listAccountStates',
  tags: ['accounts'],
  summary: 'Execution state merged with error state for every tracked account (paged)',
  description:
    'The account rows of `/api/account-execution-states`, each with its latest errors (`errors` of them): consecutive rate limits and '
    + 'failures, cooldown, breaker and its history, and the errors behind them. Use it to find the accounts in trouble. It reads the '
    + 'ledger only, never Temporal.',
  request: {
    query: z.object({
      state: AccountState.optional(),
      errors: z.coerce.number().int().min(0).max(100).default(5).openapi({ description: 'Latest errors per account' }),
      limit: z.coerce.number().int().min(1).max(LIMITS.pageSize).default(LIMITS.defaultPageSize),
      cursor: z.string().max(512).optional(),
    }),
  },
  responses: { 200: json(AccountHealthList, 'A page of accounts'), ...errorResponses([400, 401, 503]) },
}));

const detailRoutes = withLegacyPath(createRoute({
  method: 'get',
  path: '/api/account-states/{accountId}',
  operationId: 'getAccountState',
  tags: ['accounts'],
  summary: 'One account: state, counters, cooldown, breaker history and its last 100 errors',
  description:
    "The account's ledger row with its last 100 errors, to see why it is held back. It never asks the workflow: for the live state and "
    + 'the waiting list use `/api/account-execution-states/{accountId}`.',
  request: { params },
  responses: { 200: json(AccountHealth, 'The account'), ...errorResponses([400, 401, 404, 503], { 404: '`account_not_found`' }) },
}));

const getOverridesRoute = createRoute({
  method: 'get', path: '/api/accounts/{accountId}/settings', operationId: 'getAccountSettings', tags: ['accounts'],
  summary: "The account's overrides of the backoff and queue settings",
  request: { params }, responses: { 200: json(OverridesAnswer, 'Overrides (null when none)'), ...errorResponses([400, 401, 503]) },
});
const putOverridesRoute = createRoute({
  method: 'put', path: '/api/accounts/{accountId}/settings', operationId: 'replaceAccountSettings', tags: ['accounts'],
  summary: "Replace the account's overrides",
  middleware: [limitBody(BODY_LIMITS.control)] as const,
  request: { params, body: { content: { 'application/json': { schema: Overrides } }, required: true } },
  responses: { 200: json(OverridesAnswer, 'Overrides'), ...errorResponses([400, 401, 413, 415, 503]) },
});
const deleteOverridesRoute = createRoute({
  method: 'delete', path: '/api/accounts/{accountId}/settings', operationId: 'deleteAccountSettings', tags: ['accounts'],
  summary: 'Remove the overrides: the global settings apply',
  middleware: [limitBody(BODY_LIMITS.control)] as const,
  request: { params }, responses: { 200: json(OverridesAnswer, 'No overrides'), ...errorResponses([400, 401, 413, 503]) },
});

export function accountHealthRoutes(deps: AppDeps, set: RouteSet = 'current') {
  const app = createRouter();
  const { db } = deps.database;

  const pick = <T>(pair: readonly [T, T]) => [pair[set === 'current' ? 0 : 1]];
  for (const route of pick(listRoutes)) {
    app.openapi(route, async (c) => {
      return c.json(await listAccountHealth(db, c.req.valid('query')), 200);
    });
  }

  for (const route of pick(detailRoutes)) {
    app.openapi(route, async (c) => {
      const { accountId } = c.req.valid('param');
      const account = await getAccountHealth(db, accountId);
      if (!account) throw new ApiError(404, 'account_not_found', `no account ${accountId} is tracked`);
      return c.json(account, 200);
    });
  }
  if (set === 'legacy') return app;

  app.openapi(getOverridesRoute, async (c) => {
    const { accountId } = c.req.valid('param');
    return c.json({ accountId, overrides: await deps.settings.getOverrides(accountId) }, 200);
  });
  app.openapi(putOverridesRoute, async (c) => {
    const { accountId } = c.req.valid('param');
    return c.json({ accountId, overrides: await deps.settings.setOverrides(accountId, c.req.valid('json')) }, 200);
  });
  app.openapi(deleteOverridesRoute, async (c) => {
    const { accountId } = c.req.valid('param');
    return c.json({ accountId, overrides: await deps.settings.setOverrides(accountId, null) }, 200);
  });
  return app;
}
