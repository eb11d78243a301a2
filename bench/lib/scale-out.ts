/**
 * Scale-out: the same throughput run (many accounts, no-op tasks, submitted through the intake in batches
 * of 1,000) with 1, 2, 3, ... worker processes beside one API process, against one Temporal server. Each
 * step has its own schema and task queue. Reports tasks/s and what a task costs in CPU seconds: every
 * process of the system (workers, API, the Temporal server, every Postgres backend on the machine) from
 * /proc over the measured window, divided by the tasks. On a machine with 2 cores shared with others the
 * rate cannot grow much past what those cores give; the cost per task says what the extra processes cost.
 */
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import postgres from 'postgres';
import { freePort } from '../../scripts/temporal-cli';
import { startTs, type Child } from '../../test/helpers/processes';
import { cpuProbe, type CpuFigures } from './probes';
import { checkRuns, type Check } from './runs';

export interface ScaleOutStep {
  workers: number;
  tasks: number;
  done: number;
  finished: boolean;
  seconds: number;
  tasksPerSecond: number;
  /** CPU seconds per 1,000 tasks: everything (workers + API + Temporal + Postgres), and by part. */
  cpuSecondsPer1000Tasks: { total: number; workers: number; api: number; temporal: number; postgres: number };
  cpuPercent: CpuFigures;
  check: Check;
}

export interface ScaleOutContext {
  temporal: { address: string; serverPid: number };
  freshUrl: (name: string) => Promise<string>;
  /** Baton settings from the bench's environment (RELAY_*, WORKER_*, ...). */
  env: Record<string, string>;
  log: (msg: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `n` distinct worker identities poll the queue's activity tasks. */
async function pollersReady(address: string, queue: string, n: number, timeoutMs = 180_000): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await connection.workflowService.describeTaskQueue({
        namespace: 'default', taskQueue: { name: queue }, taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      }).catch(() => null);
      if (new Set((answer?.pollers ?? []).map((p) => p.identity)).size >= n) return;
      if (Date.now() > deadline) throw new Error(`${n} workers not polling ${queue} after ${timeoutMs / 1000} s`);
      await sleep(500);
    }
  } finally {
    await connection.close();
  }
}

async function submit(base: string, prefix: string, accounts: number, perAccount: number): Promise<number> {
  const tasks: { accountId: string; taskId: string; type: string; payload: unknown }[] = [];
  for (let seq = 0; seq < perAccount; seq++) for (let a = 0; a < accounts; a++) tasks.push({ accountId: `${prefix}-${a}`, taskId: `${prefix}.${a}.${seq}`, type: 'sleep', payload: { ms: 0 } });
  for (let i = 0; i < tasks.length; i += 1000) {
    const res = await fetch(`${base}/api/tasks/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tasks: tasks.slice(i, i + 1000) }) });
    if (res.status !== 202) throw new Error(`scale-out: batch answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }
  return tasks.length;
}

async function step(ctx: ScaleOutContext, workers: number, accounts: number, perAccount: number, budgetMs: number): Promise<ScaleOutStep> {
  const url = await ctx.freshUrl(`scale${workers}`);
  const port = await freePort();
  const queue = `bench-scale-${workers}-${Date.now()}`;
  const env = {
    ...ctx.env, TEMPORAL_ADDRESS: ctx.temporal.address, TEMPORAL_TASK_QUEUE: queue, DATABASE_URL: url, LOG_LEVEL: 'warn', DEMO_HANDLERS: '1', API_RATE_LIMIT_RPS: '0', PORT: String(port),
  };
  const base = `http://127.0.0.1:${port}`;
  const children: Child[] = [];
  const db = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // The API first: it applies the migrations the workers would otherwise race for.
    const api = startTs('api/server.ts', env);
    children.push(api);
    const deadline = Date.now() + 120_000;
    while ((await fetch(`${base}/health/live`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 0)) !== 200) {
      if (Date.now() > deadline) throw new Error(`scale-out API not ready:\n${api.output().slice(-2000)}`);
      await sleep(250);
    }
    const workerProcs = Array.from({ length: workers }, () => startTs('worker/main.ts', env));
    children.push(...workerProcs);
    await pollersReady(ctx.temporal.address, queue, workers);

    // Accounts of a step's own: the steps share the server's namespace, and an account workflow left running
    // by an earlier step (on that step's queue, its workers gone) would take this step's signals.
    const warmPrefix = `w${workers}`;
    const measuredPrefix = `m${workers}`;
    const done = async (prefix: string) => {
      const [row] = await db`select count(*)::int as n from tasks where task_id like ${`${prefix}.%`} and status = 'succeeded'`;
      return row!.n as number;
    };
    const waitFor = async (prefix: string, n: number, timeoutMs: number) => {
      const until = Date.now() + timeoutMs;
      while ((await done(prefix)) < n) {
        if (Date.now() > until) return false;
        await sleep(200);
      }
      return true;
    };
    // Warm-up (connections, code, the workers' caches), not measured. Slow on a busy machine: each new
    // worker process bundles the workflow code first.
    const warm = await submit(base, warmPrefix, 20, 2);
    if (!(await waitFor(warmPrefix, warm, 300_000))) {
      throw new Error(`scale-out with ${workers} worker(s): the warm-up did not finish (${await done(warmPrefix)}/${warm}); last output:\n` +
        children.map((c) => c.output().slice(-1500)).join('\n---\n'));
    }

    const pids: Record<string, number> = { api: api.pid, temporal: ctx.temporal.serverPid };
    workerProcs.forEach((w, i) => (pids[`worker${i + 1}`] = w.pid));
    const cpu = await cpuProbe(pids);
    const t0 = Date.now();
    const tasks = await submit(base, measuredPrefix, accounts, perAccount);
    const finished = await waitFor(measuredPrefix, tasks, budgetMs);
    const cpuPercent = await cpu.stop();
    const rows = await db`select task_id, account_id, started_at, finished_at from tasks where task_id like ${`${measuredPrefix}.%`} and status = 'succeeded'`;
    const runs = rows.map((r) => ({ account: r.account_id as string, seq: Number((r.task_id as string).split('.')[2]), start: (r.started_at as Date).getTime(), end: (r.finished_at as Date).getTime() }));
    const seconds = finished ? (Math.max(...runs.map((r) => r.end)) - t0) / 1000 : (Date.now() - t0) / 1000;
    // Percent of a core over the probe's window → CPU seconds, per 1,000 tasks done.
    const per1000 = (pct: number) => ((pct / 100) * cpuPercent.seconds * 1000) / Math.max(1, runs.length);
    const workersPct = Object.entries(cpuPercent.processes).filter(([k]) => k.startsWith('worker')).reduce((s, [, v]) => s + v, 0);
    const parts = {
      workers: per1000(workersPct),
      api: per1000(cpuPercent.processes.api ?? 0),
      temporal: per1000(cpuPercent.processes.temporal ?? 0),
      postgres: per1000(cpuPercent.postgresAll),
    };
    const result: ScaleOutStep = {
      workers, tasks, done: runs.length, finished, seconds, tasksPerSecond: runs.length / seconds,
      cpuSecondsPer1000Tasks: { total: parts.workers + parts.api + parts.temporal + parts.postgres, ...parts },
      cpuPercent, check: checkRuns(runs, tasks),
    };
    ctx.log(`scale-out ${workers} worker(s): ${result.tasksPerSecond.toFixed(0)} tasks/s${finished ? '' : ` (did not finish: ${runs.length}/${tasks})`}, CPU s per 1,000 tasks ${JSON.stringify(result.cpuSecondsPer1000Tasks)}, CPU % ${JSON.stringify(cpuPercent)}`);
    return result;
  } finally {
    await db.end();
    for (const c of children.reverse()) await c.stop('SIGTERM', 20_000);
  }
}

/** One step per entry of `workers`, one after the other. */
export async function scaleOut(ctx: ScaleOutContext, workers: number[], accounts: number, perAccount: number, budgetMs: number): Promise<ScaleOutStep[]> {
  const steps: ScaleOutStep[] = [];
  for (const n of workers) steps.push(await step(ctx, n, accounts, perAccount, budgetMs));
  return steps;
}

/** The scale-out table: rate, cost per task, and both against one worker. */
export function scaleOutRows(steps: ScaleOutStep[]): (string | number)[][] {
  const one = steps[0];
  const rows: (string | number)[][] = [['scale-out (real server)', 'workers', 'tasks/s', '× 1 worker', 'CPU s / 1,000 tasks', 'workers', 'API', 'Temporal', 'Postgres', 'machine busy %', 'invariants']];
  for (const s of steps) {
    const c = s.cpuSecondsPer1000Tasks;
    rows.push([
      `${s.tasks} tasks`, s.workers, s.tasksPerSecond, one ? s.tasksPerSecond / one.tasksPerSecond : NaN, c.total, c.workers, c.api, c.temporal, c.postgres, s.cpuPercent.machineBusy,
      !s.finished ? `did not finish (${s.done}/${s.tasks})` : s.check.ok ? 'ok' : `FAILED ${JSON.stringify(s.check)}`,
    ]);
  }
  return rows;
}
