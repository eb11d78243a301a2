/**
 * Records workflow histories from real runs as replay fixtures (test/replay/histories/*.json).
 * `npm run record-histories` after a deliberate, compatible change to the account workflow; a change that
 * is not compatible must keep the old histories replaying (see docs/workflow-changes.md) and records the
 * new behaviour beside them: `HISTORY_TAG=<patch id> npm run record-histories`.
 *
 * Each scenario drives a fresh account through a real dev server and worker, waits for it to settle and
 * saves the history of every run of its workflow (continue-as-new included).
 */
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findOrBuildTemporalCli } from '../../scripts/temporal-cli';
import { accountWorkflowId } from '../../workflows/account-workflow';
import { getState } from '../../workflows/messages';
import { call, startStack, type TestStack } from '../helpers/stack';
import { startTestTemporal } from '../helpers/temporal';
import { eventually } from '../helpers/wait';

const outDir = fileURLToPath(new URL('./histories/', import.meta.url));
// HISTORY_TAG=<patch id> names the new files after the change they show, so the older ones stay beside them.
const tag = process.env.HISTORY_TAG ? `${process.env.HISTORY_TAG.replace(/[^a-z0-9-]/gi, '')}-` : '';

const scenarios: Record<string, (stack: TestStack, accountId: string) => Promise<void>> = {
  // Queue order, priority, a cancelled queued task, a cancelled running one, a dedupe rejection.
  async 'queue-and-cancel'(stack, a) {
    const long = await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 20_000 }, dedupeKey: 'k' });
    const queued = await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 5 } });
    await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 5 }, priority: 5 });
    await call(stack, 'POST', `/api/accounts/${a}/tasks?wait=true`, { type: 'sleep', payload: { ms: 5 }, dedupeKey: 'k' });
    await call(stack, 'POST', '/api/tasks/batch', { tasks: [{ accountId: a, type: 'sleep', payload: { ms: 5 } }, { accountId: a, type: 'sleep', payload: { ms: 5 } }] });
    await eventually(async () => (await call(stack, 'GET', `/api/tasks/${long.body.taskId}`)).body.status === 'running');
    await call(stack, 'POST', `/api/tasks/${queued.body.taskId}/cancel`);
    await call(stack, 'POST', `/api/tasks/${long.body.taskId}/cancel`);
  },
  // Rate limits with backoff, a failure, the breaker's cycle, suspend/resume and a manual cooldown.
  async 'health'(stack, a) {
    await call(stack, 'PUT', `/api/accounts/${a}/settings`, { breakerFailureThreshold: 2 });
    await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'simulate', payload: { outcome: 'rate_limited', failTimes: 2 } });
    await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'simulate', payload: { outcome: 'error' } });
    await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'simulate', payload: { outcome: 'error' } });
    await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'simulate', payload: { outcome: 'transient', failTimes: 1 } });
    await call(stack, 'POST', `/api/accounts/${a}/suspend`, { reason: 'recording' });
    await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 } });
    await new Promise((r) => setTimeout(r, 500));
    await call(stack, 'POST', `/api/accounts/${a}/resume`);
    await call(stack, 'POST', `/api/accounts/${a}/cooldown`, { seconds: 0.5, reason: 'recording' });
    await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 1 } });
    await call(stack, 'POST', `/api/accounts/${a}/cooldown`, { seconds: 600, reason: 'recording' });
    await call(stack, 'DELETE', `/api/accounts/${a}/cooldown`);
  },
  // Runs of tasks: a queued member cancelled, a running member cancelled, a transient retry inside a run,
  // a suspend that stops a run, a more urgent task that overtakes one.
  async 'runs'(stack, a) {
    const payloads = [300, 5, 5, -1, 5, 3000, 5, 300, 5, 5];
    const batch = await call(stack, 'POST', '/api/tasks/batch', {
      tasks: payloads.map((ms) => (ms < 0
        ? { accountId: a, type: 'simulate', payload: { outcome: 'transient', failTimes: 1 } }
        : { accountId: a, type: 'sleep', payload: { ms } })),
    });
    const ids = (batch.body.results as { taskId: string }[]).map((r) => r.taskId);
    const running = (i: number) => eventually(async () => (await call(stack, 'GET', `/api/tasks/${ids[i]}`)).body.status === 'running');
    await running(0);
    await call(stack, 'POST', `/api/tasks/${ids[2]}/cancel`);
    await running(5);
    await call(stack, 'POST', `/api/tasks/${ids[5]}/cancel`);
    await running(7);
    await call(stack, 'POST', `/api/accounts/${a}/tasks`, { type: 'sleep', payload: { ms: 5 }, priority: 5 });
    await call(stack, 'POST', `/api/accounts/${a}/suspend`, { reason: 'recording' });
    await new Promise((r) => setTimeout(r, 500));
    await call(stack, 'POST', `/api/accounts/${a}/resume`);
  },
  // Enough tasks to continue-as-new twice (the stack's bound is 20), then idle completion.
  async 'continue-as-new'(stack, a) {
    await call(stack, 'POST', '/api/tasks/batch', { tasks: Array.from({ length: 45 }, () => ({ accountId: a, type: 'sleep', payload: { ms: 0 } })) });
  },
};

async function settle(stack: TestStack, accountId: string) {
  await eventually(async () => {
    const tasks = (await call(stack, 'GET', `/api/tasks?accountId=${accountId}&limit=500`)).body.items as { status: string }[];
    const live = tasks.some((t) => t.status === 'queued' || t.status === 'running');
    const state = await stack.client.workflow.getHandle(accountWorkflowId(accountId)).query(getState, { withWaiting: false }).catch(() => null);
    return !live && (!state || state.state === 'AVAILABLE');
  }, { timeoutMs: 120_000, intervalMs: 250, what: `${accountId} settled` });
  // Idle completion closes the last run: its history is complete.
  await eventually(async () => (await stack.client.workflow.getHandle(accountWorkflowId(accountId)).describe()).status.name === 'COMPLETED', { timeoutMs: 30_000, what: 'idle completion' });
}

const cli = await findOrBuildTemporalCli(() => {});
const temporal = await startTestTemporal();
const stack = await startStack(temporal, {
  driver: 'pglite',
  env: { ACCOUNT_IDLE_TIMEOUT_MS: '1500', CONTINUE_AS_NEW_AFTER_TASKS: '20', RUN_WINDOW_MS: '10000', RETRY_INITIAL_SECONDS: '0.1', BREAKER_FAILURE_THRESHOLD: '5' },
});
try {
  for (const [name, run] of Object.entries(scenarios)) {
    const accountId = `replay-${name}-${randomUUID().slice(0, 6)}`;
    await run(stack, accountId);
    await settle(stack, accountId);
    let i = 0;
    for await (const execution of stack.client.workflow.list({ query: `WorkflowId = '${accountWorkflowId(accountId)}'` })) {
      // The CLI writes the history as proto3 JSON, the format replay reads (historyFromJSON).
      const { stdout } = await promisify(execFile)(cli, [
        'workflow', 'show', '--workflow-id', execution.workflowId, '--run-id', execution.runId,
        '--address', temporal.address, '--output', 'json',
      ], { maxBuffer: 64 * 1024 * 1024 });
      const file = `${outDir}${name}-${tag}${i++}.json`;
      await writeFile(file, stdout);
      console.log(`recorded ${file} (${(JSON.parse(stdout) as { events: unknown[] }).events.length} events)`);
    }
  }
} finally {
  await stack.stop();
  await temporal.stop();
}
