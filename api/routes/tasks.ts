/** Task routes: submit (single, batch), read, list and cancel. */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { AppDeps, AppEnv } from '../app';
import { errorResponses, json } from './openapi';
import { ApiError, errorBody, validationError } from '../errors';
import { getAccountRow, getTask, getTaskRow, listTasks, taskView } from '../ledger-queries';
import {
  AccountId,
  BatchItem,
  BatchRequest,
  BatchResult,
  CancelAccepted,
  LIMITS,
  ListTasksQuery,
  SubmitAccepted,
  Task,
  TaskId,
  TaskList,
  TaskSubmission,
} from '../schemas';
import { readIdempotencyKey, toTaskSpec } from '../submission';
import type { TaskSpec } from '../../workflows/types';

const errors = errorResponses({
  400: 'Invalid request',
  401: 'Missing or wrong API key',
  404: 'Not found',
  409: 'Conflict with the task or account state',
  413: 'Body too large',
  422: 'Unknown task type or invalid payload',
  429: 'Queue full or too many requests',
});

const submitRoute = createRoute({
  method: 'post',
  path: '/api/accounts/{accountId}/tasks',
  summary: 'Submit a task to an account',
  description:
    'Queued durably (202) even while no worker runs. `?wait=true` waits for the account workflow to answer with the position (201) or a 409 for a live dedupeKey. An `Idempotency-Key` header makes retries address the same task.',
  middleware: [bodyLimit({ maxSize: LIMITS.bodyBytes, onError: tooLarge })] as const,
  request: {
    params: z.object({ accountId: AccountId }),
    query: z.object({ wait: z.enum(['true', 'false', '1', '0']).optional() }),
    headers: z.object({ 'idempotency-key': z.string().optional() }),
    body: { content: { 'application/json': { schema: TaskSubmission } }, required: true },
  },
  responses: { 200: json(SubmitAccepted, 'Known task (idempotent retry)'), 201: json(SubmitAccepted, 'Queued, position known'), 202: json(SubmitAccepted, 'Accepted'), ...errors },
});

const batchRoute = createRoute({
  method: 'post',
  path: '/api/tasks/batch',
  summary: `Submit up to ${LIMITS.batchSize} tasks across accounts`,
  description: 'One signal per account. Each item is validated on its own: the answer has a result or an error per index.',
  middleware: [bodyLimit({ maxSize: LIMITS.batchBodyBytes, onError: tooLarge })] as const,
  request: { body: { content: { 'application/json': { schema: BatchRequest } }, required: true } },
  responses: { 202: json(BatchResult, 'Per-item results'), ...errors },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/tasks/{taskId}',
  summary: 'A task, with position and waiting reason while queued',
  request: { params: z.object({ taskId: TaskId }) },
  responses: { 200: json(Task, 'The task'), ...errors },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/tasks',
  summary: 'Tasks, newest first, cursor paged',
  request: { query: ListTasksQuery },
  responses: { 200: json(TaskList, 'A page of tasks'), ...errors },
});

const cancelRoute = createRoute({
  method: 'post',
  path: '/api/tasks/{taskId}/cancel',
  summary: 'Cancel a queued task (it leaves the queue) or a running one (its activity is cancelled)',
  request: { params: z.object({ taskId: TaskId }) },
  responses: { 202: json(CancelAccepted, 'Cancellation requested'), ...errors },
});

function tooLarge(): never {
  throw new ApiError(413, 'payload_too_large', 'the request body is larger than this route accepts');
}

export function taskRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: deps.validationHook });
  const { db } = deps.database;

  /** Refuses async submissions to an account whose projected queue is already full. */
  const checkQueueRoom = async (accountId: string, adding: number) => {
    const [account, settings] = await Promise.all([getAccountRow(db, accountId), deps.settings.forAccount(accountId)]);
    if (account && account.queueLength + adding > settings.maxQueuedPerAccount) {
      throw new ApiError(429, 'queue_full', `account ${accountId} already has ${account.queueLength} queued tasks (limit ${settings.maxQueuedPerAccount})`,
        { limit: settings.maxQueuedPerAccount }, { 'Retry-After': '5' });
    }
  };

  app.openapi(submitRoute, async (c) => {
    const { accountId } = c.req.valid('param');
    const wait = ['true', '1'].includes(c.req.valid('query').wait ?? '');
    const spec = toTaskSpec(deps.handlers, accountId, c.req.valid('json'), readIdempotencyKey(c.req.header('idempotency-key')));
    const existing = await getTaskRow(db, spec.taskId);
    if (existing) {
      if (existing.accountId !== accountId) {
        throw new ApiError(409, 'task_id_taken', `task id ${spec.taskId} belongs to another account`);
      }
      c.header('Idempotent-Replayed', 'true');
      return c.json({ taskId: existing.taskId, accountId, status: existing.status }, 200);
    }
    if (wait) {
      const answer = await deps.engine.submitAndWait(accountId, spec);
      if (answer.waited) {
        return c.json({ taskId: spec.taskId, accountId, status: answer.status === 'known' ? 'queued' : answer.status, position: answer.position, live: true }, 201);
      }
      return c.json({ taskId: spec.taskId, accountId, status: 'queued', live: false }, 202);
    }
    await checkQueueRoom(accountId, 1);
    await deps.engine.enqueue(accountId, [spec]);
    return c.json({ taskId: spec.taskId, accountId, status: 'queued' }, 202);
  });

  app.openapi(batchRoute, async (c) => {
    const { tasks } = c.req.valid('json');
    const results: ({ index: number; taskId: string; accountId: string; status: string } | { index: number; error: ReturnType<typeof errorBody>['error'] })[] = [];
    const byAccount = new Map<string, { index: number; spec: TaskSpec }[]>();
    const now = Date.now();
    const seenIds = new Set<string>();
    tasks.forEach((raw, index) => {
      try {
        const parsed = BatchItem.safeParse(raw);
        if (!parsed.success) throw validationError(parsed.error, `task ${index}`);
        const { accountId, ...body } = parsed.data;
        const spec = toTaskSpec(deps.handlers, accountId, body, undefined, now);
        if (seenIds.has(spec.taskId)) throw new ApiError(400, 'duplicate_task_id', `task id ${spec.taskId} appears twice in this batch`);
        seenIds.add(spec.taskId);
        const list = byAccount.get(accountId) ?? [];
        list.push({ index, spec });
        byAccount.set(accountId, list);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        results.push({ index, error: errorBody(err.code, err.message, err.details).error });
      }
    });
    // One signal per account, a few accounts at a time.
    const accounts = [...byAccount.entries()];
    const CONCURRENCY = 16;
    for (let i = 0; i < accounts.length; i += CONCURRENCY) {
      await Promise.all(
        accounts.slice(i, i + CONCURRENCY).map(async ([accountId, items]) => {
          try {
            await checkQueueRoom(accountId, items.length);
            await deps.engine.enqueue(accountId, items.map((it) => it.spec));
            for (const it of items) results.push({ index: it.index, taskId: it.spec.taskId, accountId, status: 'queued' });
          } catch (err) {
            if (!(err instanceof ApiError)) throw err;
            for (const it of items) results.push({ index: it.index, error: errorBody(err.code, err.message, err.details).error });
          }
        }),
      );
    }
    results.sort((a, b) => a.index - b.index);
    return c.json({ results }, 202);
  });

  app.openapi(getRoute, async (c) => {
    const { taskId } = c.req.valid('param');
    const task = await getTask(db, taskId);
    if (!task) throw new ApiError(404, 'task_not_found', `no task ${taskId} (a task just submitted appears within a moment)`);
    return c.json(task as z.infer<typeof Task>, 200);
  });

  app.openapi(listRoute, async (c) => {
    const page = await listTasks(db, c.req.valid('query'));
    return c.json(page as z.infer<typeof TaskList>, 200);
  });

  app.openapi(cancelRoute, async (c) => {
    const { taskId } = c.req.valid('param');
    const row = await getTaskRow(db, taskId);
    if (!row) throw new ApiError(404, 'task_not_found', `no task ${taskId}`);
    if (row.status !== 'queued' && row.status !== 'running') {
      throw new ApiError(409, 'task_finished', `task ${taskId} is already ${row.status}`, { task: taskView(row) });
    }
    await deps.engine.cancel(row.accountId, taskId, 'cancelled through the API');
    return c.json({ taskId, accountId: row.accountId, status: 'cancel_requested' }, 202);
  });

  return app;
}
