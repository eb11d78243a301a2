/**
 * Baton from a client's side, with the typed client (client/): submit tasks, wait for one, and follow
 * another's event stream.
 *
 *   npm start                                   # in another terminal
 *   npx tsx examples/submit-and-follow.ts [http://127.0.0.1:3000]
 *
 * With API_KEYS set on the server, pass a key in BATON_API_KEY.
 */
import { createBatonClient, followTask, type Schemas } from '../client';

const baseUrl = process.argv[2] ?? 'http://127.0.0.1:3000';
const baton = createBatonClient({ baseUrl, apiKey: process.env.BATON_API_KEY ?? null });
const accountId = `example-${Date.now().toString(36)}`;

function fail(what: string, error: Schemas['Error'] | undefined, status: number): never {
  throw new Error(`${what}: ${status} ${error ? `${error.error.code}: ${error.error.message}` : ''}`);
}

// Three tasks for one account in one request: they run one at a time, in order.
const batch = await baton.POST('/api/tasks/batch', {
  body: { tasks: [1, 2, 3].map((n) => ({ accountId, type: 'sleep', payload: { ms: 300 * n } })) },
});
if (!batch.data) fail('batch', batch.error, batch.response.status);
const ids = batch.data.results.map((r) => ('taskId' in r ? r.taskId : fail(`task ${r.index}`, { error: r.error }, 400)));
console.log(`submitted ${ids.length} tasks to ${accountId}`);

// One more, waiting for the account workflow's answer: where it stands in the queue.
const last = await baton.POST('/api/accounts/{accountId}/tasks', {
  params: { path: { accountId }, query: { wait: 'true' } },
  body: { type: 'sleep', payload: { ms: 200 } },
});
if (!last.data) fail('submit', last.error, last.response.status);
console.log(`task ${last.data.taskId}: ${last.data.status}${last.data.position === undefined || last.data.position === null ? '' : `, position ${last.data.position}`}`);

// Wait for the first task: read it until it is finished.
const terminal = new Set(['succeeded', 'failed', 'cancelled', 'skipped', 'deduplicated']);
for (;;) {
  const { data, error, response } = await baton.GET('/api/tasks/{taskId}', { params: { path: { taskId: ids[0]! } } });
  if (!data) fail('read', error, response.status);
  if (terminal.has(data.status)) {
    console.log(`first task ${data.status} after ${data.attempts} attempt(s)`);
    break;
  }
  console.log(`first task ${data.status}${data.position === undefined ? '' : ` (position ${data.position}, ${data.waitingReason})`}`);
  await new Promise((resolve) => setTimeout(resolve, 250));
}

// Follow the last task's lifecycle as it happens; the stream ends after its terminal event.
for await (const event of followTask(baton, last.data.taskId)) {
  console.log(`event ${event.id}: ${event.type} at ${event.at}`);
}

// Where the account stands now.
const state = await baton.GET('/api/account-execution-states/{accountId}', { params: { path: { accountId } } });
if (!state.data) fail('account', state.error, state.response.status);
console.log(`account ${accountId}: ${state.data.state}, ${state.data.queueLength} queued`);
