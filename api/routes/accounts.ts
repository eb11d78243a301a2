/** Account routes: execution states (list from Postgres, detail live from the workflow), waiting tasks, operator controls. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppDeps, AppEnv } from '../app';
import { errorResponses, json } from './openapi';
import { BODY_LIMITS, limitBody } from '../body-limit';
import { ApiError, validationError } from '../errors';
import { assertStorable } from '../storable';
import { accountView, getAccountRow, listAccounts, waitingTasks } from '../ledger-queries';
import { AccountExecutionState, AccountId, AccountStateList, ListAccountsQuery, WaitingTasks } from '../schemas';
import { accountWorkflowId } from '../../workflows/account-workflow';

const errors = errorResponses({
  400: 'Invalid request',
  401: 'Missing or wrong API key',
  404: 'Unknown account',
  413: 'Body too large',
});
const Accepted = z
  .object({
    accountId: z.string(),
    requested: z.string(),
    accountKnown: z.boolean().optional().openapi({
      description: 'Suspend only: whether Baton knew the account before. An unknown account is suspended all the same (its first task waits); its workflow completes once idle, and the suspension stays in the ledger.',
    }),
  })
  .openapi('ControlAccepted');
const params = z.object({ accountId: AccountId });

const listRoute = createRoute({
  method: 'get',
  path: '/api/accounts/execution-states',
  summary: 'Every tracked account, from the Postgres projection (paged)',
  request: { query: ListAccountsQuery },
  responses: { 200: json(AccountStateList, 'A page of accounts'), ...errors },
});

const detailRoute = createRoute({
  method: 'get',
  path: '/api/accounts/execution-states/{accountId}',
  summary: 'Live state from the account workflow, with the waiting list; the projection (`live: false`) when no worker answers',
  request: { params },
  responses: { 200: json(AccountExecutionState, 'The account'), ...errors },
});

const waitingRoute = createRoute({
  method: 'get',
  path: '/api/accounts/waiting-tasks',
  summary: 'Queued tasks grouped by account, with positions and reasons',
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(1000) }) },
  responses: { 200: json(WaitingTasks, 'Waiting tasks'), ...errors },
});

// Bodies are optional here, so they are read and validated in the handler rather than by the route; their
// size is checked before they are read.
const control = (path: string, method: 'post' | 'delete', summary: string, body?: string) =>
  createRoute({
    method,
    path,
    summary,
    middleware: [limitBody(BODY_LIMITS.control)] as const,
    ...(body ? { description: `Optional JSON body: ${body}` } : {}),
    request: { params },
    responses: { 202: json(Accepted, 'Requested; the account workflow applies it'), ...errors },
  });

const SuspendBody = z.object({ reason: z.string().min(1).max(500).optional() }).strict();
const CooldownBody = z
  .object({
    seconds: z.number().positive().max(30 * 86_400),
    reason: z.string().min(1).max(500).optional(),
  })
  .strict();

export function accountRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: deps.validationHook });
  const { db } = deps.database;

  app.openapi(listRoute, async (c) => c.json(await listAccounts(db, c.req.valid('query')) as z.infer<typeof AccountStateList>, 200));

  app.openapi(detailRoute, async (c) => {
    const { accountId } = c.req.valid('param');
    const temporalUiUrl = `${deps.config.temporalUiUrl}/namespaces/${encodeURIComponent(deps.config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(accountWorkflowId(accountId))}`;
    const row = await getAccountRow(db, accountId);
    const live = await deps.engine.liveState(accountId);
    if (live) {
      const { version: _v, tasksStarted: _t, ...rest } = live;
      return c.json({ ...rest, live: true, temporalUiUrl } as z.infer<typeof AccountExecutionState>, 200);
    }
    if (!row) throw new ApiError(404, 'account_not_found', `no account ${accountId} is tracked`);
    return c.json({ ...accountView(row), live: false, temporalUiUrl } as z.infer<typeof AccountExecutionState>, 200);
  });

  app.openapi(waitingRoute, async (c) => {
    const { limit } = c.req.valid('query');
    return c.json(await waitingTasks(db, limit) as z.infer<typeof WaitingTasks>, 200);
  });

  app.openapi(control('/api/accounts/{accountId}/suspend', 'post', 'Stop taking tasks; the running one finishes', '{reason?}'), async (c) => {
    const { accountId } = c.req.valid('param');
    const body = SuspendBody.safeParse(readOptionalJson(await c.req.text()));
    if (!body.success) throw validationError(body.error, 'body');
    assertStorable(body.data, 'body'); // the reason reaches the workflow and then the ledger
    const known = (await getAccountRow(db, accountId)) !== undefined;
    await deps.engine.suspend(accountId, body.data.reason ?? 'suspended by an operator');
    return c.json({ accountId, requested: 'suspend', accountKnown: known }, 202);
  });

  app.openapi(control('/api/accounts/{accountId}/resume', 'post', 'Take tasks again'), async (c) => {
    const { accountId } = c.req.valid('param');
    await deps.engine.resume(accountId);
    return c.json({ accountId, requested: 'resume' }, 202);
  });

  app.openapi(control('/api/accounts/{accountId}/cooldown', 'post', 'Start a manual cooldown', '{seconds, reason?}'), async (c) => {
    const { accountId } = c.req.valid('param');
    const body = CooldownBody.safeParse(readOptionalJson(await c.req.text()));
    if (!body.success) throw validationError(body.error, 'body');
    assertStorable(body.data, 'body'); // the reason reaches the workflow and then the ledger
    await deps.engine.startCooldown(accountId, body.data.seconds * 1000, body.data.reason ?? 'manual cooldown');
    return c.json({ accountId, requested: 'cooldown' }, 202);
  });

  app.openapi(control('/api/accounts/{accountId}/cooldown', 'delete', 'End the cooldown now'), async (c) => {
    const { accountId } = c.req.valid('param');
    await deps.engine.endCooldown(accountId);
    return c.json({ accountId, requested: 'end_cooldown' }, 202);
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
