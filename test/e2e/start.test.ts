/**
 * `npm start`'s wiring end to end over real HTTP: the one-process start (dev server, migrations, worker,
 * API on PGlite), three `sleep` tasks posted to one account run one at a time in order, the Temporal Web
 * UI lists the account's workflow, and SIGTERM stops everything.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../scripts/temporal-cli';
import { startTs, type Child } from '../helpers/processes';
import { eventually } from '../helpers/wait';

let child: Child;
let dir: string;
let base: string;
let uiBase: string;
let temporalPort: number;
let metricsPort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-e2e-'));
  const [port, tPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  metricsPort = await freePort();
  temporalPort = tPort;
  base = `http://127.0.0.1:${port}`;
  uiBase = `http://127.0.0.1:${uiPort}`;
  child = startTs('scripts/start.ts', {
    PORT: String(port),
    TEMPORAL_PORT: String(tPort),
    TEMPORAL_UI_PORT: String(uiPort),
    BATON_DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    API_KEYS: '',
    WORKER_METRICS_PORT: String(metricsPort),
  });
  await eventually(async () => (await fetch(`${base}/health`)).status === 200, {
    timeoutMs: 120_000, intervalMs: 500, what: `npm start to be ready (output: ${child.output().slice(-2000)})`,
  });
});

afterAll(async () => {
  await child?.stop('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });

it('runs three sleep tasks of one account one at a time, in order, and stops cleanly', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${base}/api/accounts/e2e-demo/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'sleep', payload: { ms: 300 } }),
    });
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { taskId: string }).taskId);
  }
  const tasks = await eventually(async () => {
    const list = (await (await fetch(`${base}/api/tasks?accountId=e2e-demo`)).json()) as { items: { taskId: string; status: string; startedAt: string; finishedAt: string }[] };
    return list.items.length === 3 && list.items.every((t) => t.status === 'succeeded') && list.items;
  }, { timeoutMs: 60_000, what: 'three tasks succeeded' });
  const byId = new Map(tasks.map((t) => [t.taskId, t]));
  const ordered = ids.map((id) => byId.get(id)!);
  for (let i = 1; i < 3; i++) {
    expect(Date.parse(ordered[i]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(ordered[i - 1]!.finishedAt));
  }
  // The Web UI (its HTTP API) lists the account's workflow under its id.
  const listed = await eventually(async () => {
    const res = await fetch(`${uiBase}/api/v1/namespaces/default/workflows?query=${encodeURIComponent("WorkflowId='account:e2e-demo'")}`);
    const body = (await res.json()) as { executions?: { execution: { workflowId: string } }[] };
    return body.executions?.length ? body.executions : undefined;
  }, { timeoutMs: 30_000, what: 'the Web UI to list account:e2e-demo' });
  expect(listed[0]!.execution.workflowId).toBe('account:e2e-demo');
  const workerMetrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  expect(workerMetrics).toMatch(/baton_task_runs_total\{type="sleep",outcome="succeeded"\} 3/);

  await child.stop('SIGTERM', 30_000);
  expect(child.proc.exitCode).toBe(0);
  expect(await portOpen(temporalPort)).toBe(false);
});
