/** Task routes: submit (single, batch), read, list and cancel. */
import { createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { AppDeps } from '../app';
import { errorResponses, json } from './openapi';
import { ApiError, errorBody, validationError } from '../http/errors';
import { getTask, getTaskRow, listTasks, taskView } from '../queries/tasks';
import { cancelUndelivered } from '../intake/cancel-undelivered';
import { createGroupCommit } from '../intake/group-commit';
import { storeSubmissions, type IntakeItem } from '../intake/store';
import { assertStorable } from '../http/storable';
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
import { readIdempotencyKey, requestHash, toTaskSpec } from '../intake/submission';
import { createRouter } from '../router';

const submitRoute = createRoute({
  method: 'post',
  path: '/api/accounts/{accountId}/tasks',
  operationId: 'submitTask',
  tags: ['tasks'],
  summary: 'Submit a task to an account',
  description:
    '202 means the task and its `queued` event are committed in the ledger (Postgres): it holds while Temporal or every worker is down, and `GET /api/tasks/{taskId}` answers at once. What the ledger would refuse is refused first: 409 `already_running`/`already_queued` for a live dedupeKey (details.taskId), 409 `task_id_taken`, 429 `queue_full`, 400 for values it cannot store (a NUL, a lone surrogate, nesting deeper than 32). `?wait=true` also hands the task to its account workflow and answers 201 with its position (202 with `live: false` when the workflow does not answer in time). An `Idempotency-Key` header makes retries address the same task (200 for a retry, 422 `idempotency_key_reused` for a different body).',
  middleware: [bodyLimit({ maxSize: LIMITS.bodyBytes, onError: tooLarge })] as const,
  request: {
    params: z.object({ accountId: AccountId }),
    query: z.object({ wait: z.enum(['true', 'false', '1', '0']).optional().openapi({ description: "Wait for the workflow's answer: 201 with the position" }) }),
    headers: z.object({ 'idempotency-key': z.string().optional().openapi({ description: 'Retries with the same key and body address the same task' }) }),
    body: { content: { 'application/json': { schema: TaskSubmission } }, required: true },
  },
  responses: {
    200: { ...json(SubmitAccepted, 'Known task (a retry with the same Idempotency-Key)'), headers: { 'Idempotent-Replayed': { description: 'Always `true`', schema: { type: 'string', enum: ['true'] } } } },
    201: json(SubmitAccepted, 'Queued; its position in the workflow is known (`?wait=true`)'),
    202: json(SubmitAccepted, 'Committed in the ledger'),
    ...errorResponses([400, 401, 409, 413, 415, 422, 503], {
      409: '`already_running`/`already_queued` for a live dedupeKey (details.taskId), `task_id_taken`',
      422: '`unknown_task_type`, `invalid_payload` (details lists the fields), `idempotency_key_reused`',
      429: '`queue_full` (the account has maxQueuedPerAccount tasks queued), or `rate_limited` with Retry-After',
    }),
  },
});

const batchRoute = createRoute({
  method: 'post',
  path: '/api/tasks/batch',
  operationId: 'submitTaskBatch',
  tags: ['tasks'],
  summary: `Submit up to ${LIMITS.batchSize} tasks across accounts`,
  description: 'One ledger transaction for every valid item; each item is validated on its own, so the answer has a result or an error per index. 202 means the accepted items are committed. An `Idempotency-Key` makes a retried batch address the same tasks (422 `idempotency_key_reused` for a different body).',
  middleware: [bodyLimit({ maxSize: LIMITS.batchBodyBytes, onError: tooLarge })] as const,
  request: {
    headers: z.object({ 'idempotency-key': z.string().optional().openapi({ description: 'Retries with the same key and body address the same tasks' }) }),
    body: { content: { 'application/json': { schema: BatchRequest } }, required: true },
  },
  responses: {
    202: json(BatchResult, 'Per-item results, in the order given'),
    ...errorResponses([400, 401, 413, 415, 422, 503], { 422: '`idempotency_key_reused`' }),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/tasks/{taskId}',
  operationId: 'getTask',
  tags: ['tasks'],
  summary: 'A task, with position, waiting reason and expected start (eta) while queued',
  request: { params: z.object({ taskId: TaskId }) },
  responses: { 200: json(Task, 'The task'), ...errorResponses([400, 401, 404, 503], { 404: '`task_not_found`' }) },
});

const listRoute = createRoute({
  method: 'get',
  path: '/api/tasks',
  operationId: 'listTasks',
  tags: ['tasks'],
  summary: 'Tasks, newest (or oldest) first, cursor paged; queued ones with position, waiting reason and expected start',
  description:
    'Keyset paged: pass `nextCursor` back as `cursor` (with the same `order`). A queued task carries `position` in its account\'s queue (0 = next), `waitingReason` and `eta`, as `GET /api/tasks/{taskId}` does. `status=queued&order=oldest` is the waiting list across accounts; `waitingReason` narrows it to one reason.',
  request: { query: ListTasksQuery },
  responses: { 200: json(TaskList, 'A page of tasks'), ...errorResponses([400, 401, 503]) },
});

const cancelRoute = createRoute({
  method: 'post',
  path: '/api/tasks/{taskId}/cancel',
  operationId: 'cancelTask',
  tags: ['tasks'],
  summary: 'Cancel a queued task (it leaves the queue) or a running one (its activity is cancelled)',
  request: { params: z.object({ taskId: TaskId }) },
  responses: {
    202: json(CancelAccepted, '`cancelled` (it had not reached its workflow yet) or `cancel_requested`'),
    ...errorResponses([400, 401, 404, 409, 503], { 404: '`task_not_found`', 409: '`task_finished` (details.task is the task)' }),
  },
});

type BatchAnswer = { index: number; taskId: string; accountId: string; status: string } | { index: number; error: ReturnType<typeof errorBody>['error'] };

/**
 * `?wait=true`: hands the account's tasks to its workflow now and asks where this one stands. Null when
 * that does not happen within SUBMIT_WAIT_TIMEOUT_MS (Temporal or every worker down, or the workflow's
 * window full): the task is stored all the same, and the relay delivers it later.
 */
async function placeInWorkflow(deps: AppDeps, accountId: string, taskId: string) {
  const deadline = Date.now() + deps.config.SUBMIT_WAIT_TIMEOUT_MS;
  try {
    if (!(await deps.relay.deliverNow(accountId, taskId, deadline))) return null;
  } catch {
    return null;
  }
  const answer = await deps.engine.position(accountId, taskId, deadline);
  if (!answer) return null;
  if (answer.status !== 'unknown') return { status: answer.status, position: answer.position };
  // Already finished (a quick task), or taken by a run the workflow hears of when it ends: the ledger knows.
  const row = await getTaskRow(deps.database.db, taskId);
  return { status: row?.status ?? 'queued', position: null };
}

function tooLarge(): never {
  throw new ApiError(413, 'payload_too_large', 'the request body is larger than this route accepts');
}

export function taskRoutes(deps: AppDeps) {
  const app = createRouter();
  const { db } = deps.database;
  // Single submissions share transactions under load (group commit); a batch is its own transaction.
  const singles = createGroupCommit({
    db,
    defaultMaxQueued: async () => (await deps.settings.get()).maxQueuedPerAccount,
    onStored: () => deps.relay.kick(),
  });
  const store = async (items: IntakeItem[]) => {
    const results = await storeSubmissions(db, items, (await deps.settings.get()).maxQueuedPerAccount);
    if (results.some((r) => r.kind === 'queued')) deps.relay.kick();
    return results;
  };

  app.openapi(submitRoute, async (c) => {
    const { accountId } = c.req.valid('param');
    const wait = ['true', '1'].includes(c.req.valid('query').wait ?? '');
    const body = c.req.valid('json');
    const key = readIdempotencyKey(c.req.header('idempotency-key'));
    const spec = toTaskSpec(deps.handlers, accountId, body, key);
    const [result] = await singles.store([{ accountId, spec, ...(key === undefined ? {} : { requestHash: requestHash(accountId, body) }) }]);
    switch (result!.kind) {
      case 'refused':
        throw result!.error;
      case 'known':
        c.header('Idempotent-Replayed', 'true');
        return c.json({ taskId: spec.taskId, accountId, status: result!.status }, 200);
      case 'queued':
        break;
    }
    if (!wait) return c.json({ taskId: spec.taskId, accountId, status: 'queued' }, 202);
    const placed = await placeInWorkflow(deps, accountId, spec.taskId);
    if (!placed) return c.json({ taskId: spec.taskId, accountId, status: 'queued', live: false }, 202);
    return c.json({ taskId: spec.taskId, accountId, ...placed, live: true }, 201);
  });

  // A batch answers per item, so its items are checked one by one below, not refused as a whole.
  const batchApp = createRouter('schema-only');
  batchApp.openapi(
    batchRoute,
    async (c) => {
      const { tasks } = c.req.valid('json');
      const key = readIdempotencyKey(c.req.header('idempotency-key'));
      const hash = key === undefined ? undefined : requestHash('batch', tasks);
      const answers: BatchAnswer[] = [];
      const items: { index: number; item: IntakeItem }[] = [];
      const seenIds = new Set<string>();
      tasks.forEach((raw, index) => {
        try {
          const parsed = BatchItem.safeParse(raw);
          if (!parsed.success) throw validationError(parsed.error, `task ${index}`);
          assertStorable(raw, `task ${index}`);
          const { accountId, ...body } = parsed.data;
          // Under an Idempotency-Key each item's id derives from the key and its place in the batch.
          const spec = toTaskSpec(deps.handlers, accountId, body, key === undefined ? undefined : `${key}\n#${index}`);
          if (seenIds.has(spec.taskId)) throw new ApiError(400, 'duplicate_task_id', `task id ${spec.taskId} appears twice in this batch`);
          seenIds.add(spec.taskId);
          items.push({ index, item: { accountId, spec, ...(hash === undefined ? {} : { requestHash: hash }) } });
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          answers.push({ index, error: errorBody(err.code, err.message, err.details).error });
        }
      });
      // One transaction for every valid item: all of them are stored, or (Postgres down) none.
      const results = await store(items.map((i) => i.item));
      results.forEach((r, i) => {
        const { index, item } = items[i]!;
        if (r.kind === 'refused') answers.push({ index, error: errorBody(r.error.code, r.error.message, r.error.details).error });
        else answers.push({ index, taskId: item.spec.taskId, accountId: item.accountId, status: r.kind === 'known' ? r.status : 'queued' });
      });
      answers.sort((a, b) => a.index - b.index);
      return c.json({ results: answers }, 202);
    },
  );
  app.route('/', batchApp);

  app.openapi(getRoute, async (c) => {
    const { taskId } = c.req.valid('param');
    const task = await getTask(db, taskId);
    if (!task) throw new ApiError(404, 'task_not_found', `no task ${taskId} (a task just submitted appears within a moment)`);
    return c.json(task, 200);
  });

  app.openapi(listRoute, async (c) => {
    const page = await listTasks(db, c.req.valid('query'));
    return c.json(page, 200);
  });

  app.openapi(cancelRoute, async (c) => {
    const { taskId } = c.req.valid('param');
    const row = await getTaskRow(db, taskId);
    if (!row) throw new ApiError(404, 'task_not_found', `no task ${taskId}`);
    if (row.status !== 'queued' && row.status !== 'running') {
      throw new ApiError(409, 'task_finished', `task ${taskId} is already ${row.status}`, { task: taskView(row) });
    }
    // Not yet handed to its workflow: the ledger alone has it, so it is cancelled there and then.
    if (row.deliveredAt === null && (await cancelUndelivered(db, row.accountId, taskId, 'cancelled through the API'))) {
      return c.json({ taskId, accountId: row.accountId, status: 'cancelled' as const }, 202);
    }
    await deps.engine.cancel(row.accountId, taskId, 'cancelled through the API');
    return c.json({ taskId, accountId: row.accountId, status: 'cancel_requested' as const }, 202);
  });

  return app;
}
