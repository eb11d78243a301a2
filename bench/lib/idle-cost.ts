/**
 * What an idle account costs, per lever (bench/run.ts `--scenarios=idle`, `--idle-levers=`).
 *
 * For every lever, on the bench's Temporal server and a fresh schema:
 * - worker + API (`npm run worker`, `npm run api`): the empty worker's memory, then N accounts touched
 *   once (one no-op task each) and left idle, then, when the lever's idle timeout is short enough to wait
 *   for, again once every account workflow has completed ("idled out");
 * - the `npm start` shape (scripts/start.ts: worker, API and PGlite in one process) with 100 accounts and
 *   1,000 tasks, the same three stages.
 * At each stage: RSS (anonymous and file-backed), the main thread's V8 heap, the workflow threads' V8
 * heaps and the workflows in the sticky cache (worker/metrics.ts), the core's own gauges (Temporal's
 * Prometheus exporter), and afterwards what touching an account again costs (202 → started).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import postgres from 'postgres';
import { loadConfig } from '../../config/env';
import { startTs, type Child } from '../../test/helpers/processes';
import { freePort } from '../../scripts/temporal-cli';
import { cpuSeconds } from './probes';
import { fmt, summary, table } from './stats';

export interface IdleLever {
  name: string;
  /** Environment of the Baton processes (Baton settings and, for glibc, MALLOC_*). */
  env: Record<string, string>;
  why: string;
  /** The shapes it is measured in. (Default: both) */
  shapes?: IdleRun['shape'][];
}

const MINUTE = 60_000;

/** The levers `--idle-levers` can pick (all when given without names). `default` is the code's defaults. */
export const IDLE_LEVERS: IdleLever[] = [
  { name: 'default', env: {}, why: 'the defaults' },
  { name: 'before', env: { WORKER_MAX_CACHED_WORKFLOWS: '2000', ACCOUNT_IDLE_TIMEOUT_MS: String(60 * MINUTE) }, why: 'the settings before issue 15: a cache of 2,000, idle accounts complete after an hour' },
  { name: 'idle-1min', env: { ACCOUNT_IDLE_TIMEOUT_MS: String(MINUTE) }, why: 'idle accounts complete after a minute', shapes: ['worker'] },
  { name: 'cache-500', env: { WORKER_MAX_CACHED_WORKFLOWS: '500' }, why: 'a smaller sticky cache', shapes: ['worker'] },
  { name: 'cache-250', env: { WORKER_MAX_CACHED_WORKFLOWS: '250' }, why: 'a smaller sticky cache', shapes: ['worker'] },
  { name: 'no-reuse-v8', env: { WORKER_REUSE_V8_CONTEXT: '0', WORKER_WORKFLOW_THREADS: '2' }, why: 'a V8 context per workflow (the SDK\'s old default)', shapes: ['worker'] },
  { name: 'malloc-arenas-2', env: { MALLOC_ARENA_MAX: '2' }, why: 'glibc keeps 2 malloc arenas instead of 8 per core' },
];

/** What `--scenarios=idle` measures without `--idle-levers`. */
export const DEFAULT_IDLE_LEVERS = ['default', 'before'];

/** Idle timeouts up to this long are waited for (the "idled out" stage); longer ones are reported as not waited. */
const IDLE_WAIT_LIMIT_MS = 5 * MINUTE;
/** Accounts touched again after the stages, one task each at a low rate, for 202 → started. */
const RETOUCH = { accounts: 50, rate: 10 };
const SINGLE = { accounts: 100, tasksPerAccount: 10 };
const STAGE_SAMPLES = 5;

export interface MemoryStage {
  rssMb: number;
  rssAnonMb: number;
  rssFileMb: number;
  mainHeapUsedMb: number;
  mainHeapTotalMb: number;
  externalMb: number;
  threadHeapUsedMb: number;
  threadHeapTotalMb: number;
  cachedWorkflows: number;
  /** The Temporal core's cache gauges, as it exports them (names without the `temporal_` prefix). */
  core: Record<string, number>;
  serverRssMb: number;
}

export interface IdleRun {
  lever: string;
  shape: 'worker' | 'single-process';
  env: Record<string, string>;
  accounts: number;
  tasks: number;
  touchSeconds: number;
  empty: MemoryStage;
  touched: MemoryStage;
  idledOut: MemoryStage | null;
  idledOutSeconds: number | null;
  workerCpuPercentIdle: number;
  serverCpuPercentIdle: number;
  /** 202 → started for accounts touched again: while their workflows still run, and after they completed. */
  retouchLiveMs: { p50: number; p99: number } | null;
  retouchCompletedMs: { p50: number; p99: number } | null;
}

export interface IdleContext {
  temporal: { address: string; serverPid: number };
  /** A fresh Postgres schema's URL (the worker shape uses one per lever). */
  freshUrl(name: string): Promise<string>;
  log(msg: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function procStatus(pid: number): Promise<Record<string, number>> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

async function scrape(port: number | undefined): Promise<string> {
  if (!port) return '';
  return fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.text(), () => '');
}

function gauge(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `) || (!labels && l.startsWith(`${name}{`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

const MB = 2 ** 20;

async function memoryStage(pid: number, serverPid: number, metricsPort: number, corePort: number): Promise<MemoryStage> {
  const [status, server, worker, core] = [await procStatus(pid), await procStatus(serverPid), await scrape(metricsPort), await scrape(corePort)];
  // The core's own figures of its workflow cache: sticky_cache_size (runs held), _hit, _miss, _total_forced_eviction.
  const coreGauges: Record<string, number> = {};
  for (const line of core.split('\n')) {
    const m = /^temporal_(sticky_cache_[a-z_]+)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (m && !m[1]!.endsWith('_bucket') && !m[1]!.endsWith('_sum') && !m[1]!.endsWith('_count')) coreGauges[m[1]!] = (coreGauges[m[1]!] ?? 0) + Number(m[2]);
  }
  return {
    rssMb: status.rss!,
    rssAnonMb: status.anon!,
    rssFileMb: status.file!,
    mainHeapUsedMb: gauge(worker, 'baton_worker_nodejs_heap_size_used_bytes') / MB,
    mainHeapTotalMb: gauge(worker, 'baton_worker_nodejs_heap_size_total_bytes') / MB,
    externalMb: gauge(worker, 'baton_worker_nodejs_external_memory_bytes') / MB,
    threadHeapUsedMb: gauge(worker, 'baton_worker_workflow_thread_heap_bytes', 'kind="used"') / MB,
    threadHeapTotalMb: gauge(worker, 'baton_worker_workflow_thread_heap_bytes', 'kind="total"') / MB,
    cachedWorkflows: gauge(worker, 'baton_worker_cached_workflows'),
    core: coreGauges,
    serverRssMb: server.rss!,
  };
}

async function waitHealthy(base: string, children: Child[], timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await fetch(`${base}/health`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 0)) !== 200) {
    const dead = children.find((c) => c.proc.exitCode !== null);
    if (Date.now() > deadline || dead) throw new Error(`Baton not ready:\n${children.map((c) => c.output().slice(-2000)).join('\n')}`);
    await sleep(250);
  }
}

/**
 * A POST sent again, under the same Idempotency-Key, when the connection fails: between two stages the
 * client's kept-alive socket may be one the server has just closed (Node's keepAliveTimeout is 5 s).
 */
async function post(url: string, body: unknown, key: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body), signal: AbortSignal.timeout(120_000) });
    } catch (err) {
      if (attempt >= 3) throw err;
      await sleep(500);
    }
  }
}

async function submitBatches(base: string, tasks: { accountId: string; taskId: string; type: string; payload: unknown }[]) {
  for (let i = 0; i < tasks.length; i += 1000) {
    const res = await post(`${base}/api/tasks/batch`, { tasks: tasks.slice(i, i + 1000) }, `${tasks[i]!.taskId}-batch`);
    if (res.status !== 202) throw new Error(`batch answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  }
}

/** Waits until `done()` reaches `n`; the seconds it took. */
async function waitCount(what: string, done: () => Promise<number>, n: number, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const k = await done();
    if (k >= n) return (Date.now() - t0) / 1000;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: ${k}/${n} after ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

/** Account workflows of this task queue still running (visibility). */
async function runningAccounts(connection: Connection, taskQueue: string): Promise<number> {
  const res = await connection.workflowService.countWorkflowExecutions({
    namespace: 'default',
    query: `TaskQueue = '${taskQueue}' AND WorkflowType = 'accountWorkflow' AND ExecutionStatus = 'Running'`,
  });
  return Number(res.count ?? 0);
}

/** One task to each account, `rate` a second, over HTTP; 202 → started from the ledger (the task's own timestamps). */
async function retouch(base: string, accounts: string[], tag: string, startedMs: (taskIds: string[]) => Promise<number[]>) {
  const ids: string[] = [];
  for (const [i, accountId] of accounts.entries()) {
    const taskId = `${tag}.${i}`;
    ids.push(taskId);
    const res = await post(`${base}/api/accounts/${accountId}/tasks`, { taskId, type: 'sleep', payload: { ms: 0 } }, taskId);
    if (res.status !== 202) throw new Error(`retouch answered ${res.status}`);
    await sleep(1000 / RETOUCH.rate);
  }
  const deadline = Date.now() + 120_000;
  let lags: number[] = [];
  while (Date.now() < deadline) {
    lags = await startedMs(ids);
    if (lags.length >= ids.length) break;
    await sleep(500);
  }
  const s = summary(lags);
  return { p50: s.p50, p99: s.p99 };
}

interface Shape {
  /** The process whose memory is measured. */
  pid: number;
  base: string;
  children: Child[];
  /** Finished tasks whose id starts with `prefix`. */
  succeeded(prefix: string): Promise<number>;
  startedMs(taskIds: string[]): Promise<number[]>;
  close(): Promise<void>;
}

/** Worker and API as two processes on Postgres (a schema of their own). */
async function workerShape(ctx: IdleContext, lever: IdleLever, env: Record<string, string>): Promise<Shape> {
  const url = await ctx.freshUrl(`idle_${lever.name.replace(/[^a-z0-9]/g, '')}`);
  const port = await freePort();
  const common = { TEMPORAL_ADDRESS: ctx.temporal.address, DATABASE_URL: url, LOG_LEVEL: 'warn', API_RATE_LIMIT_RPS: '0', PORT: String(port), ...env };
  const worker = startTs('worker/main.ts', common);
  // More relay concurrency than the default only makes the touching faster; the worker's work is the same.
  const api = startTs('api/server.ts', { RELAY_CONCURRENCY: '32', ...common });
  const base = `http://127.0.0.1:${port}`;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await waitHealthy(base, [worker, api]);
  } catch (err) {
    await sql.end();
    await Promise.all([api.stop('SIGKILL'), worker.stop('SIGKILL')]);
    throw err;
  }
  return {
    pid: worker.pid,
    base,
    children: [worker, api],
    async succeeded(prefix) {
      const [row] = await sql`select count(*)::int as n from tasks where task_id like ${`${prefix}%`} and status = 'succeeded'`;
      return row!.n as number;
    },
    async startedMs(ids) {
      const rows = await sql`select extract(epoch from started_at - created_at) * 1000 as ms from tasks where task_id in ${sql(ids)} and started_at is not null`;
      return rows.map((r) => Number(r.ms));
    },
    async close() {
      await sql.end();
      await api.stop('SIGTERM', 20_000);
      await worker.stop('SIGTERM', 20_000);
    },
  };
}

/** scripts/start.ts (what `npm start` runs) on the bench's Temporal server: worker, API and PGlite in one process. */
async function singleProcessShape(ctx: IdleContext, _lever: IdleLever, env: Record<string, string>): Promise<Shape> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-idle-'));
  const port = await freePort();
  const child = startTs('scripts/start.ts', {
    TEMPORAL_ADDRESS: ctx.temporal.address, DATABASE_URL: '', BATON_DATA_DIR: dataDir, LOG_LEVEL: 'warn', API_RATE_LIMIT_RPS: '0', PORT: String(port), ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(base, [child]);
  } catch (err) {
    await child.stop('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  // The PGlite database belongs to the process: ask the API (polled reads, so a reset connection is tried again).
  const getJson = async <T>(url: string): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await fetch(url, { signal: AbortSignal.timeout(30_000) }).then((r) => r.json())) as T;
      } catch (err) {
        if (attempt >= 3) throw err;
        await sleep(500);
      }
    }
  };
  const task = (id: string) => getJson<{ status?: string; createdAt?: string; startedAt?: string }>(`${base}/api/tasks/${id}`);
  return {
    pid: child.pid,
    base,
    children: [child],
    async succeeded(prefix) {
      let n = 0;
      let cursor: string | undefined;
      do {
        const page = await getJson<{ items: { taskId: string }[]; nextCursor: string | null }>(`${base}/api/tasks?status=succeeded&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        n += page.items.filter((t) => t.taskId.startsWith(prefix)).length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return n;
    },
    async startedMs(ids) {
      const out: number[] = [];
      for (const id of ids) {
        const t = await task(id);
        if (t.startedAt && t.createdAt) out.push(Date.parse(t.startedAt) - Date.parse(t.createdAt));
      }
      return out;
    },
    async close() {
      await child.stop('SIGTERM', 30_000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One lever in one shape: empty → touched → (idled out). `accounts` accounts get `tasksPerAccount`
 * tasks each through `POST /api/tasks/batch`.
 */
export async function idleRun(ctx: IdleContext, lever: IdleLever, shape: IdleRun['shape'], accounts: number, idleSeconds: number): Promise<IdleRun> {
  const tasksPerAccount = shape === 'worker' ? 1 : SINGLE.tasksPerAccount;
  const [metricsPort, corePort] = [await freePort(), await freePort()];
  const taskQueue = `bench-idle-${shape}-${lever.name}-${Date.now().toString(36)}`;
  const env = { TEMPORAL_TASK_QUEUE: taskQueue, WORKER_METRICS_PORT: String(metricsPort), TEMPORAL_METRICS_PORT: String(corePort), ...lever.env };
  const s = shape === 'worker' ? await workerShape(ctx, lever, env) : await singleProcessShape(ctx, lever, env);
  const connection = await Connection.connect({ address: ctx.temporal.address });
  // RSS moves with every collection: a stage is the lowest of five readings 2 s apart, so stages compare steady states.
  const stage = async () => {
    let best: MemoryStage | undefined;
    for (let i = 0; i < STAGE_SAMPLES; i++) {
      if (i > 0) await sleep(2000);
      const m = await memoryStage(s.pid, ctx.temporal.serverPid, metricsPort, corePort);
      if (!best || m.rssMb < best.rssMb) best = m;
    }
    return best!;
  };
  // Accounts (so workflow ids) of their own: every lever and shape shares the bench's Temporal server.
  const prefix = `idle-${shape === 'worker' ? 'w' : 's'}-${lever.name}`;
  try {
    await sleep(5000); // the worker's pollers, the cleanup schedule's first look, the JIT settle
    const empty = await stage();
    ctx.log(`idle ${shape} ${lever.name}: empty RSS ${fmt(empty.rssMb)} MB`);

    const tasks = [];
    for (let seq = 0; seq < tasksPerAccount; seq++) {
      for (let a = 0; a < accounts; a++) tasks.push({ accountId: `${prefix}-${a}`, taskId: `${prefix}.${a}.${seq}`, type: 'sleep', payload: { ms: 0 } });
    }
    const t0 = Date.now();
    await submitBatches(s.base, tasks);
    await waitCount(`idle ${lever.name}`, () => s.succeeded(`${prefix}.`), tasks.length, 1_800_000);
    const touchSeconds = (Date.now() - t0) / 1000;
    await sleep(3000); // the last projections and timers
    const [w0, c0] = [await cpuSeconds(s.pid), await cpuSeconds(ctx.temporal.serverPid)];
    await sleep(idleSeconds * 1000);
    const [w1, c1] = [await cpuSeconds(s.pid), await cpuSeconds(ctx.temporal.serverPid)];
    const touched = await stage();
    ctx.log(`idle ${shape} ${lever.name}: ${accounts} accounts, ${tasks.length} tasks in ${fmt(touchSeconds)} s; RSS ${fmt(touched.rssMb)} MB (thread heap ${fmt(touched.threadHeapUsedMb)}, main heap ${fmt(touched.mainHeapUsedMb)}, cached ${touched.cachedWorkflows})`);

    // Accounts touched again while their workflows still run (cached or not).
    const retouchLiveMs = await retouch(s.base, Array.from({ length: RETOUCH.accounts }, (_, i) => `${prefix}-${i}`), `${prefix}.live`, (ids) => s.startedMs(ids));

    const idleTimeoutMs = loadConfig({ ...process.env, ...lever.env }).ACCOUNT_IDLE_TIMEOUT_MS;
    let idledOut: MemoryStage | null = null;
    let idledOutSeconds: number | null = null;
    let retouchCompletedMs: IdleRun['retouchCompletedMs'] = null;
    if (idleTimeoutMs <= IDLE_WAIT_LIMIT_MS) {
      const t1 = Date.now();
      await waitCount(`idle ${lever.name}: accounts completing`, async () => accounts - (await runningAccounts(connection, taskQueue)), accounts, idleTimeoutMs + 600_000);
      idledOutSeconds = (Date.now() - t1) / 1000;
      await sleep(5000);
      idledOut = await stage();
      ctx.log(`idle ${shape} ${lever.name}: idled out after ${fmt(idledOutSeconds)} s; RSS ${fmt(idledOut.rssMb)} MB (thread heap ${fmt(idledOut.threadHeapUsedMb)}, cached ${idledOut.cachedWorkflows})`);
      retouchCompletedMs = await retouch(s.base, Array.from({ length: RETOUCH.accounts }, (_, i) => `${prefix}-${RETOUCH.accounts + i}`), `${prefix}.new`, (ids) => s.startedMs(ids));
    }
    return {
      lever: lever.name, shape, env: lever.env, accounts, tasks: tasks.length, touchSeconds, empty, touched, idledOut, idledOutSeconds,
      workerCpuPercentIdle: ((w1 - w0) / idleSeconds) * 100,
      serverCpuPercentIdle: ((c1 - c0) / idleSeconds) * 100,
      retouchLiveMs, retouchCompletedMs,
    };
  } finally {
    await connection.close();
    await s.close();
  }
}

/** Every chosen lever in both shapes; a lever that fails is logged and left out, the others still run. */
export async function idleLevers(ctx: IdleContext, levers: IdleLever[], accounts: number, idleSeconds: number, shapes: IdleRun['shape'][] = ['worker', 'single-process']): Promise<IdleRun[]> {
  const runs: IdleRun[] = [];
  for (const shape of shapes) {
    for (const lever of levers) {
      if (lever.shapes && !lever.shapes.includes(shape)) continue;
      try {
        runs.push(await idleRun(ctx, lever, shape, shape === 'worker' ? accounts : SINGLE.accounts, idleSeconds));
      } catch (err) {
        ctx.log(`idle ${shape} ${lever.name} failed: ${err instanceof Error ? `${err.message}${err.cause ? ` (${String(err.cause)})` : ''}` : String(err)}`);
      }
    }
  }
  return runs;
}

/** The levers' table: every stage's RSS, its growth over the empty process, and its ratio to `default`'s. */
export function idleTable(runs: IdleRun[]): string {
  const rows: (string | number)[][] = [['idle cost', 'lever', 'accounts', 'empty MB', 'touched MB', '+ over empty', 'idled out MB', '+ over empty', 'thread heap MB', 'main heap MB', 'cached', 'touched ÷ default', 'retouch p50 ms live/new']];
  for (const r of runs) {
    const base = runs.find((d) => d.shape === r.shape && d.lever === 'default');
    const out = r.idledOut;
    rows.push([
      r.shape, r.lever, r.accounts, r.empty.rssMb, r.touched.rssMb, r.touched.rssMb - r.empty.rssMb,
      out?.rssMb ?? NaN, out ? out.rssMb - r.empty.rssMb : NaN,
      `${fmt(r.touched.threadHeapUsedMb)}${out ? ` → ${fmt(out.threadHeapUsedMb)}` : ''}`,
      `${fmt(r.touched.mainHeapUsedMb)}${out ? ` → ${fmt(out.mainHeapUsedMb)}` : ''}`,
      `${r.touched.cachedWorkflows}${out ? ` → ${out.cachedWorkflows}` : ''}`,
      base ? (out ?? r.touched).rssMb / base.touched.rssMb : NaN,
      `${fmt(r.retouchLiveMs?.p50 ?? NaN)} / ${fmt(r.retouchCompletedMs?.p50 ?? NaN)}`,
    ]);
  }
  return table(rows);
}

/** The issue's idle targets against a run's figures (the lever with the lowest final RSS, and `default`). */
export function idleTargets(runs: IdleRun[]) {
  const out: { measure: string; target: string; measured: string; met: boolean }[] = [];
  for (const r of runs) {
    const last = r.idledOut ?? r.touched;
    const stageName = r.idledOut ? 'idled out' : 'touched, idle';
    if (r.shape === 'worker') {
      const limit = r.empty.rssMb + 150;
      out.push({ measure: `${r.accounts} idle accounts, worker RSS (${r.lever}, ${stageName})`, target: `≤ empty + 150 MB (${fmt(limit)} MB)`, measured: `${fmt(last.rssMb)} MB (+${fmt(last.rssMb - r.empty.rssMb)})`, met: last.rssMb <= limit });
    } else {
      const peak = Math.max(r.touched.rssMb, r.idledOut?.rssMb ?? 0);
      out.push({ measure: `npm start shape, ${r.accounts} accounts, ${r.tasks} tasks (${r.lever})`, target: '≤ 500 MB', measured: `${fmt(r.touched.rssMb)} MB${r.idledOut ? `, idled out ${fmt(r.idledOut.rssMb)} MB` : ''}`, met: peak <= 500 });
    }
  }
  return out;
}
