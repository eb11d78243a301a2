/**
 * Baton's typed client: `openapi-fetch` over the types `openapi-typescript` generates from the OpenAPI
 * document (openapi-types.ts, `npm run generate:client`). Paths, parameters, bodies and answers are
 * checked by the compiler, so a change to a schema breaks its callers' type check.
 *
 *   const baton = createBatonClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.BATON_KEY });
 *   const { data, error } = await baton.POST('/api/accounts/{accountId}/tasks', {
 *     params: { path: { accountId: 'acct-1' } }, body: { type: 'sleep', payload: { ms: 500 } } });
 *   for await (const event of followTask(baton, data!.taskId)) console.log(event.type);
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './openapi-types';
import { sseMessages } from './sse';

export type { components, paths } from './openapi-types';
export { accountStateValues, interactionStatusValues, taskStatusValues, waitingReasonValues } from './openapi-types';
export { SseMessages, sseMessages, type SseMessage } from './sse';

/** The document's schemas by name: `Schemas['Task']`, `Schemas['AccountExecutionState']`, … */
export type Schemas = components['schemas'];
export type BatonClient = Client<paths>;
/** The error every failed request answers with (`{error: {code, message, details}}`). */
export type ErrorBody = Schemas['Error'];

export interface BatonClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the API is, e.g. `http://127.0.0.1:3000`; '' (the default) for the page's own origin. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer <key>`; a function is asked on every request. */
  apiKey?: string | null | (() => string | null | undefined);
}

export function createBatonClient(opts: BatonClientOptions = {}): BatonClient {
  const { apiKey, ...rest } = opts;
  const client = createClient<paths>({ baseUrl: '', ...rest });
  if (apiKey) {
    client.use({
      onRequest({ request }) {
        const key = typeof apiKey === 'function' ? apiKey() : apiKey;
        if (key && !request.headers.has('authorization')) request.headers.set('Authorization', `Bearer ${key}`);
        return request;
      },
    });
  }
  return client;
}

const TERMINAL = new Set<string>(['succeeded', 'failed', 'cancelled', 'skipped', 'deduplicated']);

export class StreamFailure extends Error {
  constructor(readonly status: number, readonly body: ErrorBody | undefined) {
    super(body?.error.message ?? `the event stream answered ${status}`);
    this.name = 'StreamFailure';
  }
}

/**
 * A task's events (`GET /api/tasks/{taskId}/events`): the past ones, then live ones, ending after the
 * terminal one. `lastEventId` resumes after an event already seen.
 */
export async function* followTask(
  client: BatonClient,
  taskId: string,
  opts: { lastEventId?: string; signal?: AbortSignal } = {},
): AsyncGenerator<Schemas['TaskEvent']> {
  const { response, error } = await client.GET('/api/tasks/{taskId}/events', {
    params: { path: { taskId }, header: opts.lastEventId ? { 'last-event-id': opts.lastEventId } : {} },
    headers: { Accept: 'text/event-stream' },
    parseAs: 'stream',
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!response.ok || !response.body) throw new StreamFailure(response.status, error as ErrorBody | undefined);
  for await (const message of sseMessages(response.body)) {
    if (message.event === 'error') throw new StreamFailure(response.status, { error: { ...(JSON.parse(message.data) as Schemas['StreamError']), details: null } });
    const event = JSON.parse(message.data) as Schemas['TaskEvent'];
    yield event;
    if (TERMINAL.has(event.type)) return;
  }
}
