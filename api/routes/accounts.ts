/** Account routes: execution states (list from Postgres, detail live from the workflow), waiting tasks, operator controls. */
import { createRoute, z } from '@hono/zod-openapi';
import type { AppDeps } from '../app';
import { errorResponses, json } from './openapi';
import { BODY_LIMITS, limitBody } from '../http/body-limit';
import { ApiError, validationError } from '../http/errors';
import { assertStorable } from '../http/storable';
import { accountView, getAccountRow, listAccounts } from '../queries/account-states';
import { waitingTasks } from '../queries/waiting-tasks';
import { AccountExecutionState, AccountId, AccountStateList, ListAccountsQuery, WaitingTasks } from '../schemas';
import { accountWorkflowId } from '../../workflows/account-workflow';
import { createRouter } from '../router';

const Accepted = z
  .object({
    accountId: z.string(),
    requested: z.enum(['suspend', 'resume', 'cooldown', 'end_cooldown']),
    accountKnown: z.boolean().optional().openapi({
      description: 'Suspend only: whether Baton knew the account before. An unknown account is suspended all the same (its first task waits); its workflow completes once idle, and the suspension stays in the ledger.',
    }),
  })
  .strict()
  .openapi('ControlAccepted');
const params = z.object({ accountId: AccountId });

/**
 * The account collections live outside `/api/accounts/`, whose next segment is always an account id: at
 * `/api/accounts/states/…` an account named `states` collided with them. The old paths still answer,
 * marked deprecated in the document (`legacy`).
 */
export const LEGACY_ACCOUNT_PATHS = {
  '/api/account-execution-states': '/api/accounts/execution-states',
  '/api/account-execution-states/{accountId}': '/api/accounts/execution-states/{accountId}',
  '/api/waiting-tasks': '/api/accounts/waiting-tasks',
  '/api/account-states': '/api/accounts/states',
  '/api/account-states/{accountId}': '/api/accounts/states/{accountId}',
} as const;
export type AccountCollectionPath = keyof typeof LEGACY_ACCOUNT_PATHS;

/**
 * Which of an account module's routes to register: `current` (every route at its path), or `legacy` (the
 * collections at their old paths only). The app registers the legacy ones after every
 * `/api/accounts/{accountId}/…` route, so that where they collide (GET /api/accounts/states/settings) the
 * account id wins, as everywhere else under /api/accounts/.
 */
export type RouteSet = 'current' | 'legacy';

/** The route at its path, and the same at its old path, deprecated, with its own operationId. */
export function withLegacyPath<R extends { path: AccountCollectionPath; operationId: string; description?: string }>(route: R) {
  const legacy = {
    ...route,
    path: LEGACY_ACCOUNT_PATHS[route.path],
    operationId: `${route.operationId}Legacy`,
    deprecated: true,
    description: `Deprecated: use \`${route.path}\` (the same answer). Under \`/api/accounts/\` an account id goes where this path has a fixed segment, so an account with that name could not be addressed.${route.description ? `\n\n${route.description}` : ''}`,
  };
  return [route, legacy as R] as const;
}

const listRoutes = withLegacyPath(createRoute({
  method: 'get',
  path: '/api/account-execution-states',
  operationId: 'listAccountExecutionStates',
  tags: ['accounts'],
  summary: 'Every tracked account, from the Postgres projection (paged)',
  description:
    "What each account is doing as the ledger last recorded it (the account rows the workflows' activities write): state, running task, "
    + 'queue length, cooldown, breaker. The same rows as `/api/account-states` without their errors, so the cheaper read for paging '
    + 'through accounts or filtering them by state. For one account as its workflow sees it now, with the waiting list, use '
    + '`/api/account-execution-states/{accountId}`.',
  request: { query: ListAccountsQuery },
  responses: { 200: json(AccountStateList, 'A page of accounts'), ...errorResponses([400, 401, 503]) },
}));

const detailRoutes = withLegacyPath(createRoute({
  method: 'get',
  path: '/api/account-execution-states/{accountId}',
  operationId: 'getAccountExecutionState',
  tags: ['accounts'],
  summary: 'Live state from the account workflow, with the waiting list; the projection (`live: false`) when no worker answers',
  description:
    "Asks the account's workflow (a Temporal query) for its state now, with the waiting list: each queued task's position, reason and "
    + "expected start (`live: true`). When no worker answers, the ledger's row (`live: false`). Use it to see what an account does right "
    + 'now; for why it is held back (its counters, breaker history and errors, from the ledger) use `/api/account-states/{accountId}`.',
  request: { params },
  responses: { 200: json(AccountExecutionState, 'The account'), ...errorResponses([400, 401, 404, 503], { 404: '`account_not_found`' }) },
}));

const waitingRoutes = withLegacyPath(createRoute({
  method: 'get',
  path: '/api/waiting-tasks',
  operationId: 'listWaitingTasks',
  tags: ['accounts'],
  summary: 'Queued tasks grouped by account, with positions and reasons',
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(1000) }) },
  responses: { 200: json(WaitingTasks, 'Waiting tasks'), ...errorResponses([400, 401, 503]) },
}));

// Bodies are optional here, so they are read and validated in the handler rather than by the route (a
// zod body schema would add the route's media-type gate); their size is checked before they are read. The
// document names their schemas by reference.
const control = (path: string, method: 'post' | 'delete', operationId: string, summary: string, body?: 'SuspendRequest' | 'CooldownRequest') =>
  createRoute({
    method,
    path,
    operationId,
    tags: ['accounts'],
    summary,
    middleware: [limitBody(BODY_LIMITS.control)] as const,
    request: { params, ...(body ? { body: { content: { 'application/json': { schema: { $ref: `#/components/schemas/${body}` } } }, required: false } } : {}) },
    responses: { 202: json(Accepted, 'Requested; the account workflow applies it'), ...errorResponses([400, 401, 413, 503]) },
  });

const SuspendBody = z.object({ reason: z.string().min(1).max(500).optional() }).strict().openapi('SuspendRequest');
const CooldownBody = z
  .object({
    seconds: z.number().positive().max(30 * 86_400),
    reason: z.string().min(1).max(500).optional(),
  })
  .strict()
  .openapi('CooldownRequest');

export function accountRoutes(deps: AppDeps, set: RouteSet = 'current') {
  const app = createRouter();
  const { db } = deps.database;
  const pick = <T>(pair: readonly [T, T]) => [pair[set === 'current' ? 0 : 1]];

  for (const route of pick(listRoutes)) {
    app.openapi(route, async (c) => c.json(await listAccounts(db, c.req.valid('query')), 200));
  }

  for (const route of pick(detailRoutes)) {
    app.openapi(route, async (c) => {
      const { accountId } = c.req.valid('param');
      const temporalUiUrl = `${deps.config.temporalUiUrl}/namespaces/${encodeURIComponent(deps.config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(accountWorkflowId(accountId))}`;
      const row = await getAccountRow(db, accountId);
      const live = await deps.engine.liveState(accountId);
      if (live) {
        const { version: _v, tasksStarted: _t, ...rest } = live;
        return c.json({ ...rest, live: true, temporalUiUrl }, 200);
      }
      if (!row) throw new ApiError(404, 'account_not_found', `no account ${accountId} is tracked`);
      return c.json({ ...accountView(row), live: false, temporalUiUrl }, 200);
    });
  }

  for (const route of pick(waitingRoutes)) {
    app.openapi(route, async (c) => {
      const { limit } = c.req.valid('query');
      return c.json(await waitingTasks(db, limit), 200);
    });
  }
  if (set === 'legacy') return app;

  app.openAPIRegistry.register('SuspendRequest', SuspendBody);
  app.openAPIRegistry.register('CooldownRequest', CooldownBody);

  app.openapi(control('/api/accounts/{accountId}/suspend', 'post', 'suspendAccount', 'Stop taking tasks; the running one finishes', 'SuspendRequest'), async (c) => {
    const { accountId } = c.req.valid('param');
    const body = SuspendBody.safeParse(readOptionalJson(await c.req.text()));
    if (!body.success) throw validationError(body.error, 'body');
    assertStorable(body.data, 'body'); // the reason reaches the workflow and then the ledger
    const known = (await getAccountRow(db, accountId)) !== undefined;
    await deps.engine.suspend(accountId, body.data.reason ?? 'suspended by an operator');
    return c.json({ accountId, requested: 'suspend' as const, accountKnown: known }, 202);
  });

  app.openapi(control('/api/accounts/{accountId}/resume', 'post', 'resumeAccount', 'Take tasks again'), async (c) => {
    const { accountId } = c.req.valid('param');
    await deps.engine.resume(accountId);
    return c.json({ accountId, requested: 'resume' as const }, 202);
  });

  app.openapi(control('/api/accounts/{accountId}/cooldown', 'post', 'startAccountCooldown', 'Start a manual cooldown', 'CooldownRequest'), async (c) => {
    const { accountId } = c.req.valid('param');
    const body = CooldownBody.safeParse(readOptionalJson(await c.req.text()));
    if (!body.success) throw validationError(body.error, 'body');
    assertStorable(body.data, 'body'); // the reason reaches the workflow and then the ledger
    await deps.engine.startCooldown(accountId, body.data.seconds * 1000, body.data.reason ?? 'manual cooldown');
    return c.json({ accountId, requested: 'cooldown' as const }, 202);
  });

  app.openapi(control('/api/accounts/{accountId}/cooldown', 'delete', 'endAccountCooldown', 'End the cooldown now'), async (c) => {
    const { accountId } = c.req.valid('param');
    await deps.engine.endCooldown(accountId);
    return c.json({ accountId, requested: 'end_cooldown' as const }, 202);
  });

  return app;
}

function readOptionalJson(text: string): unknown {
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'the request body is not valid JSON');
  }
}
