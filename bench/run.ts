/**
 * `npm run bench` (`-- --quick` for a short run): Baton against graphile-worker, pg-boss and an in-memory
 * floor, on the same Postgres, in the same run. Prints a table, writes bench/results/<timestamp>.json and
 * bench/results/latest.svg. A result counts only if its invariants hold (all done once, no overlap, FIFO).
 *
 * Scenarios: throughput (many accounts), handoff latency (one account), and for Baton alone: history
 * cost, HTTP submit latency at a fixed rate, idle cost of many touched accounts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { accountWorkflowId } from '../workflows/account-workflow';
import { TEST_DATABASE_URL } from '../test/helpers/database';
import { startTs, type Child } from '../test/helpers/processes';
import { startTestTemporal, type TestTemporal } from '../test/helpers/temporal';
import { freePort } from '../scripts/temporal-cli';
import { handoffSteps } from './lib/handoff-steps';
import { checkRuns, handoffGaps, type Check } from './lib/runs';
import { fmt, summary, table } from './lib/stats';
import { chart } from './lib/chart';
import { createBatonSystem, type BatonSystem } from './systems/baton';
import { createGraphileSystem } from './systems/graphile';
import { createMemorySystem } from './systems/memory';
import { createPgBossSystem } from './systems/pgboss';
import type { BenchSystem, Job } from './systems/types';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
/** `--scenarios=submit,idle` measures only those of Baton's (throughput also gives handoff and history). */
const scenarios = process.argv.find((a) => a.startsWith('--scenarios='))?.slice(12).split(',');
const scenarioWanted = (name: 'throughput' | 'submit' | 'idle') => !scenarios || scenarios.includes(name);
const SIZES = quick
  ? { accounts: 200, tasksPerAccount: 10, handoffTasks: 200, submitRate: 200, submitSeconds: 10, idleAccounts: 1000, idleSeconds: 10, throughputBudgetSeconds: 240 }
  : { accounts: 1000, tasksPerAccount: 20, handoffTasks: 1000, submitRate: 500, submitSeconds: 30, idleAccounts: 10_000, idleSeconds: 20, throughputBudgetSeconds: 420 };
const CONCURRENCY = 50; // peers' worker concurrency; Baton's worker uses its configured defaults
const dbUrl = process.env.BENCH_DATABASE_URL ?? TEST_DATABASE_URL;
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const log = (msg: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

interface SystemFigures {
  /** `finished: false`: the system did not run every task within the budget; the rate is what it did. */
  throughput?: { tasks: number; done: number; seconds: number; tasksPerSecond: number; finished: boolean; check: Check };
  handoff?: { tasks: number; p50: number; p95: number; p99: number; check: Check };
}

/** Waits until `n` tasks are done; false when `timeoutMs` passes first. */
async function waitFor(sys: BenchSystem, n: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const done = await sys.finished();
    if (done >= n) return true;
    if (Date.now() > deadline) {
      log(`${sys.name}: ${done}/${n} done after ${timeoutMs / 1000} s: stopped there`);
      return false;
    }
    if (done !== last && Math.floor(done / n * 10) !== Math.floor(last / n * 10)) log(`${sys.name}: ${done}/${n}`);
    last = done;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function jobsFor(prefix: string, accounts: number, perAccount: number): Job[] {
  const jobs: Job[] = [];
  for (let seq = 0; seq < perAccount; seq++) for (let a = 0; a < accounts; a++) jobs.push({ account: `${prefix}-${a}`, seq });
  return jobs;
}

async function measure(sys: BenchSystem): Promise<SystemFigures> {
  const figures: SystemFigures = {};
  // Warm-up: connections, caches, JIT; not measured.
  const warm = jobsFor('warm', 20, 2);
  await sys.submit(warm);
  if (!(await waitFor(sys, warm.length, 120_000))) throw new Error(`${sys.name}: the warm-up did not finish`);
  const base = await sys.finished();

  const tp = jobsFor('tp', SIZES.accounts, SIZES.tasksPerAccount);
  const t0 = Date.now();
  await sys.submit(tp);
  const finished = await waitFor(sys, base + tp.length, SIZES.throughputBudgetSeconds * 1000);
  const tpRuns = (await sys.runs()).filter((r) => r.account.startsWith('tp-'));
  const seconds = finished ? (Math.max(...tpRuns.map((r) => r.end)) - t0) / 1000 : (Date.now() - t0) / 1000;
  figures.throughput = {
    tasks: tp.length, done: tpRuns.length, seconds, tasksPerSecond: tpRuns.length / seconds, finished, check: checkRuns(tpRuns, tp.length),
  };
  log(`${sys.name}: throughput ${fmt(figures.throughput.tasksPerSecond)} tasks/s${finished ? '' : ` (did not finish: ${tpRuns.length}/${tp.length})`}`);
  // The rest of an unfinished run would still be in the way of the handoff measurement.
  if (!finished) return figures;

  const ho = jobsFor('handoff', 1, SIZES.handoffTasks);
  const before = await sys.finished();
  await sys.submit(ho);
  if (!(await waitFor(sys, before + ho.length, 900_000))) throw new Error(`${sys.name}: the handoff run did not finish`);
  const hoRuns = (await sys.runs()).filter((r) => r.account.startsWith('handoff-'));
  const gaps = summary(handoffGaps(hoRuns));
  figures.handoff = { tasks: ho.length, p50: gaps.p50, p95: gaps.p95, p99: gaps.p99, check: checkRuns(hoRuns, ho.length) };
  log(`${sys.name}: handoff p50 ${fmt(gaps.p50)} ms`);
  return figures;
}

async function freshSchema(admin: postgres.Sql, name: string): Promise<{ schema: string; url: string }> {
  const schema = `bench_${name}_${randomBytes(3).toString('hex')}`;
  await admin.unsafe(`CREATE SCHEMA "${schema}"`);
  return { schema, url: `${dbUrl}${dbUrl.includes('?') ? '&' : '?'}search_path=${schema}` };
}

async function historyCost(baton: BatonSystem) {
  const { client } = baton.api;
  let events = 0;
  let runs = 0;
  const histories = [];
  for await (const ex of client.workflow.list({ query: `WorkflowId = '${accountWorkflowId('handoff-0')}'` })) {
    const history = await client.workflow.getHandle(ex.workflowId, ex.runId).fetchHistory();
    events += history.events?.length ?? 0;
    histories.push(history.events ?? []);
    runs += 1;
  }
  // The handoff account's histories also tell where each handoff's time went.
  const steps = handoffSteps(histories, await baton.runsWithIds('handoff-0'));
  return { eventsPerTask: events / SIZES.handoffTasks, runsPer1000Tasks: (runs / SIZES.handoffTasks) * 1000, events, runs, handoffStepsMs: steps };
}

/** The worker's own memory gauges (prom-client's default metrics), in MB. */
async function workerMemory(port: number): Promise<Record<string, number>> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
  const gauge = (name: string) => Number(new RegExp(`^baton_worker_${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
  return {
    heapUsed: gauge('nodejs_heap_size_used_bytes'),
    heapTotal: gauge('nodejs_heap_size_total_bytes'),
    external: gauge('nodejs_external_memory_bytes'),
  };
}

function rssMb(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? NaN) / 1024);
}
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  // utime and stime, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startBatonProcesses(temporal: TestTemporal, url: string, extra: Record<string, string> = {}) {
  const port = await freePort();
  const env = { TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: url, LOG_LEVEL: 'warn', DEMO_HANDLERS: '1', API_RATE_LIMIT_RPS: '0', PORT: String(port), ...extra };
  const worker = startTs('worker/main.ts', env);
  const api = startTs('api/server.ts', env);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while ((await fetch(`${base}/health`).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > deadline) throw new Error(`Baton processes not ready:\n${api.output().slice(-2000)}\n${worker.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { worker, api, base };
}

/**
 * Open-loop load at a fixed rate: requests are sent on schedule whether or not earlier ones finished. A
 * warm-up at the same rate first (its accounts' workflows started, the processes' code hot), then a pause
 * for its tasks to drain, so the figure is the steady state and not the first seconds of new processes.
 */
async function submitLatency(base: string, url: string) {
  await submitAtRate(base, Math.min(5, SIZES.submitSeconds / 2));
  // Drained: an overloaded warm-up must not leave a backlog that the measured seconds then pay for.
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const deadline = Date.now() + 300_000;
    for (;;) {
      const [row] = await admin`select count(*)::int as n from tasks where account_id like 'load-%' and status in ('queued', 'running')`;
      if (row!.n === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await admin.end();
  }
  return submitAtRate(base, SIZES.submitSeconds);
}

async function submitAtRate(base: string, seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  const total = SIZES.submitRate * seconds;
  const interval = 1000 / SIZES.submitRate;
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t = performance.now();
    inflight.push(
      fetch(`${base}/api/accounts/load-${i % 200}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'sleep', payload: { ms: 0 } }),
      }).then(async (r) => {
        await r.arrayBuffer();
        if (r.status !== 202) errors += 1;
        latencies.push(performance.now() - t);
      }, () => {
        errors += 1;
      }),
    );
  }
  await Promise.all(inflight);
  const s = summary(latencies);
  return { requests: total, ratePerSecond: SIZES.submitRate, seconds, p50: s.p50, p99: s.p99, max: s.max, errors };
}

/** `prefix` keeps each measurement's accounts (and so workflow ids) apart; `env` is the worker's settings. */
async function idleCost(temporal: TestTemporal, url: string, prefix: string, env: Record<string, string> = {}) {
  const metricsPort = await freePort();
  const procs = await startBatonProcesses(temporal, url, { TEMPORAL_TASK_QUEUE: `bench-${prefix}`, WORKER_METRICS_PORT: String(metricsPort), ...env });
  try {
    const jobs: { accountId: string; type: string; payload: unknown }[] = [];
    for (let a = 0; a < SIZES.idleAccounts; a++) jobs.push({ accountId: `${prefix}-${a}`, type: 'sleep', payload: { ms: 0 } });
    for (let i = 0; i < jobs.length; i += 1000) {
      const res = await fetch(`${procs.base}/api/tasks/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tasks: jobs.slice(i, i + 1000) }) });
      if (res.status !== 202) throw new Error(`batch ${res.status}`);
    }
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    const deadline = Date.now() + 900_000;
    for (;;) {
      const [row] = await admin`select count(*)::int as n from tasks where account_id like ${`${prefix}-%`} and status = 'succeeded'`;
      if (row!.n >= SIZES.idleAccounts) break;
      if (Date.now() > deadline) throw new Error(`idle: ${row!.n}/${SIZES.idleAccounts}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await admin.end();
    await new Promise((r) => setTimeout(r, 3000)); // let the last projections and timers settle
    const serverPid = temporal.server.pid;
    const cpu0 = await cpuSeconds(serverPid);
    const wcpu0 = await cpuSeconds(procs.worker.pid);
    await new Promise((r) => setTimeout(r, SIZES.idleSeconds * 1000));
    const cpu1 = await cpuSeconds(serverPid);
    const wcpu1 = await cpuSeconds(procs.worker.pid);
    return {
      accounts: SIZES.idleAccounts,
      workerSettings: env,
      workerRssMb: await rssMb(procs.worker.pid),
      // Which part of the worker's RSS is the JavaScript heap and which is native (Temporal's core, V8's own).
      workerMemoryMb: await workerMemory(metricsPort),
      serverCpuPercent: ((cpu1 - cpu0) / SIZES.idleSeconds) * 100,
      workerCpuPercent: ((wcpu1 - wcpu0) / SIZES.idleSeconds) * 100,
      serverRssMb: await rssMb(serverPid),
    };
  } finally {
    await stopAll([procs.api, procs.worker]);
  }
}

async function stopAll(children: Child[]) {
  for (const c of children) await c.stop('SIGTERM', 20_000);
}

async function versions() {
  const read = async (p: string) => (JSON.parse(await readFile(fileURLToPath(new URL(`../node_modules/${p}/package.json`, import.meta.url)), 'utf8')) as { version: string }).version;
  const admin = postgres(dbUrl, { max: 1, onnotice: () => {} });
  const [pg] = await admin`show server_version`;
  await admin.end();
  return {
    node: process.version,
    postgres: pg!.server_version as string,
    '@temporalio/worker': await read('@temporalio/worker'),
    'graphile-worker': await read('graphile-worker'),
    'pg-boss': await read('pg-boss'),
  };
}

const started = new Date();
log(`${quick ? 'quick' : 'full'} run: ${JSON.stringify(SIZES)}`);
const temporal = await startTestTemporal();
const admin = postgres(dbUrl, { max: 1, onnotice: () => {} });
const figures: Record<string, SystemFigures> = {};
const batonOnly: Record<string, unknown> = {};
try {
  const wanted = (name: string) => !only || only.includes(name);
  if (wanted('memory')) {
    const sys = createMemorySystem();
    figures['in-memory'] = await measure(sys);
    await sys.stop();
  }
  if (wanted('baton')) {
    const { url } = await freshSchema(admin, 'baton');
    if (scenarioWanted('throughput')) {
      const sys = await createBatonSystem({ TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: url, TEMPORAL_TASK_QUEUE: 'bench' }, 'b.');
      figures.baton = await measure(sys);
      batonOnly.historyCost = await historyCost(sys);
      log(`baton: history ${fmt((batonOnly.historyCost as { eventsPerTask: number }).eventsPerTask)} events/task`);
      log(`baton: handoff steps (p50/p95 ms) ${Object.entries((batonOnly.historyCost as { handoffStepsMs: Record<string, { p50: number; p95: number }> }).handoffStepsMs)
        .map(([k, v]) => `${k} ${fmt(v.p50)}/${fmt(v.p95)}`).join(', ')}`);
      await sys.stop();
    }
    if (scenarioWanted('submit')) {
      const procs = await startBatonProcesses(temporal, url, { TEMPORAL_TASK_QUEUE: 'bench-submit' });
      try {
        batonOnly.submitLatency = await submitLatency(procs.base, url);
        log(`baton: submit ${JSON.stringify(batonOnly.submitLatency)}`);
      } finally {
        await stopAll([procs.api, procs.worker]);
      }
    }
  }
  if (wanted('baton') && scenarioWanted('idle')) {
    const idle = await freshSchema(admin, 'idle');
    batonOnly.idleCost = await idleCost(temporal, idle.url, 'idle');
    log(`baton: idle ${JSON.stringify(batonOnly.idleCost)}`);
    // The lever for a mostly idle fleet: a small workflow cache (docs/operations.md, Scaling out).
    const idleSmall = await freshSchema(admin, 'idlesmall');
    batonOnly.idleCostSmallCache = await idleCost(temporal, idleSmall.url, 'idlesmall', { WORKER_MAX_CACHED_WORKFLOWS: '250' });
    log(`baton: idle with WORKER_MAX_CACHED_WORKFLOWS=250 ${JSON.stringify(batonOnly.idleCostSmallCache)}`);
  }
  if (wanted('graphile')) {
    const { schema } = await freshSchema(admin, 'graphile');
    const sys = await createGraphileSystem(dbUrl, schema, CONCURRENCY);
    figures['graphile-worker'] = await measure(sys);
    await sys.stop();
  }
  if (wanted('pgboss')) {
    const { schema } = await freshSchema(admin, 'pgboss');
    const sys = await createPgBossSystem(dbUrl, schema, CONCURRENCY);
    figures['pg-boss'] = await measure(sys);
    await sys.stop();
  }
} finally {
  await admin.end();
  await temporal.stop();
}

const names = Object.keys(figures);
const rows: (string | number)[][] = [['system', 'tasks/s', 'handoff p50 ms', 'p95', 'p99', 'invariants', 'Baton/system tasks/s', 'Baton/system handoff p50']];
for (const n of names) {
  const f = figures[n]!;
  const b = figures.baton;
  rows.push([
    n,
    f.throughput?.tasksPerSecond ?? NaN,
    f.handoff?.p50 ?? NaN,
    f.handoff?.p95 ?? NaN,
    f.handoff?.p99 ?? NaN,
    f.throughput && !f.throughput.finished
      ? `did not finish in ${SIZES.throughputBudgetSeconds} s (${f.throughput.done}/${f.throughput.tasks})`
      : f.throughput?.check.ok && f.handoff?.check.ok ? 'ok' : `FAILED ${JSON.stringify([f.throughput?.check, f.handoff?.check])}`,
    b?.throughput && f.throughput ? b.throughput.tasksPerSecond / f.throughput.tasksPerSecond : NaN,
    b?.handoff && f.handoff ? b.handoff.p50 / f.handoff.p50 : NaN,
  ]);
}
console.log(`\n${table(rows)}\n`);
if (Object.keys(batonOnly).length) console.log(`Baton only: ${JSON.stringify(batonOnly, null, 2)}\n`);

const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}` };
const result = {
  startedAt: started.toISOString(),
  finishedAt: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  machine,
  versions: await versions(),
  configuration: {
    sizes: SIZES,
    peerConcurrency: CONCURRENCY,
    baton: 'in-process worker with default settings (200 activities, 100 workflow tasks), dev server SQLite WAL, tasks submitted one signal per account',
    task: 'no-op (Baton: sleep {ms: 0}), timings from each system\'s own records',
  },
  figures,
  batonOnly,
};
await mkdir(resultsDir, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, '-');
await writeFile(`${resultsDir}${stamp}.json`, JSON.stringify(result, null, 2));
// `latest` is what the README shows: only a full run of every system and scenario replaces it.
const complete = !quick && !only && !scenarios;
const chartFile = complete ? 'latest.svg' : `${stamp}.svg`;
if (complete) await writeFile(`${resultsDir}latest.json`, JSON.stringify(result, null, 2));
await writeFile(`${resultsDir}${chartFile}`, chart(result));
console.log(`results: bench/results/${stamp}.json, chart: bench/results/${chartFile}`);
// A wrong answer fails the run; a peer too slow to finish within the budget is reported, not failed. What
// an unfinished run did is still checked: no duplicates, overlaps or FIFO breaks among the tasks it ran.
const wrong = (c: Check | undefined) => !!c && (c.duplicates > 0 || c.overlaps > 0 || c.fifoViolations > 0);
const failed = names.filter((n) => {
  const f = figures[n]!;
  if (f.throughput && !f.throughput.finished) return wrong(f.throughput.check);
  return !(f.throughput?.check.ok && f.handoff?.check.ok);
});
process.exit(failed.length ? 1 : 0);
