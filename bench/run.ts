/**
 * `npm run bench` (`-- --quick` for a short run): Baton against graphile-worker, pg-boss and an in-memory
 * floor, on the same Postgres, in the same run. Prints a table, writes bench/results/<timestamp>.json and
 * bench/results/latest.svg. A result counts only if its invariants hold (all done once, no overlap, FIFO).
 *
 * Scenarios (`--scenarios=` picks them; all by default):
 * - throughput: many accounts, then handoff latency on one account (every system), history cost (Baton);
 * - submit: HTTP submit latency at fixed rates, Baton against the same Hono shape inserting a
 *   graphile-worker or pg-boss job; Baton's delivery lag (202 → the workflow has the task) and, for idle
 *   accounts, 202 → the task starts;
 * - idle: Baton's cost of many touched, then idle accounts;
 * - start: `npm start` with its embedded defaults (PGlite, dev server, one process) under submissions.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { storeSubmissions } from '../api/intake/store';
import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { accountWorkflowId } from '../workflows/account-workflow';
import { TEST_DATABASE_URL } from '../test/helpers/database';
import { startTs, type Child } from '../test/helpers/processes';
import { startTestTemporal } from '../test/helpers/temporal';
import { freePort } from '../scripts/temporal-cli';
import { startTestTemporalServer } from '../test/helpers/temporal-server';
import { scaleOut, scaleOutRows, type ScaleOutStep } from './lib/scale-out';
import { handoffSteps } from './lib/handoff-steps';
import { DEFAULT_IDLE_LEVERS, IDLE_LEVERS, idleLevers, idleTable, idleTargets } from './lib/idle-cost';
import { openLoop, type LoadResult } from './lib/load';
import { cpuProbe, pgActivityProbe, type CpuFigures } from './lib/probes';
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
/**
 * `--server=cluster`: Baton's throughput, handoff and submit figures also on the real Temporal server on
 * PostgreSQL (scripts/temporal-server-lib.ts), beside the dev server's, and scale-out over 1-3 workers there.
 */
const onCluster = process.argv.includes('--server=cluster');
/** Scale-out: each step's tasks (a smaller run than throughput's: three of them, on the slower server). */
const SCALE_OUT = { workers: [1, 2, 3], accounts: quick ? 200 : 500, tasksPerAccount: 10 };
/** `--scenarios=submit,start` measures only those (throughput also gives handoff and history). */
const SCENARIOS = ['throughput', 'submit', 'idle', 'start', 'scale-out'] as const;
type Scenario = (typeof SCENARIOS)[number];
const scenarios = process.argv.find((a) => a.startsWith('--scenarios='))?.slice(12).split(',');
const unknownScenario = scenarios?.find((n) => !(SCENARIOS as readonly string[]).includes(n));
if (unknownScenario) {
  console.error(`unknown scenario ${unknownScenario}: use ${SCENARIOS.join(', ')}`);
  process.exit(2);
}
const scenarioWanted = (name: Scenario) => !scenarios || scenarios.includes(name);
/** `--idle-levers=default,idle-1min` (or `--idle-levers` for all): the idle scenario's levers, each measured in this run. */
const idleLeverArg = process.argv.find((a) => a === '--idle-levers' || a.startsWith('--idle-levers='));
const idleLeversWanted = !idleLeverArg ? IDLE_LEVERS.filter((l) => DEFAULT_IDLE_LEVERS.includes(l.name))
  : idleLeverArg.includes('=') ? idleLeverArg.slice(14).split(',').map((n) => IDLE_LEVERS.find((l) => l.name === n) ?? (console.error(`unknown idle lever ${n}: use ${IDLE_LEVERS.map((l) => l.name).join(', ')}`), process.exit(2)))
  : IDLE_LEVERS;
const idleAccountsArg = process.argv.find((a) => a.startsWith('--idle-accounts='));
/** `--idle-shapes=worker` (or `single-process`): only those shapes of the idle scenario. */
const idleShapes = process.argv.find((a) => a.startsWith('--idle-shapes='))?.slice(14).split(',') as ('worker' | 'single-process')[] | undefined;
const SIZES = quick
  ? { accounts: 200, tasksPerAccount: 10, handoffTasks: 200, submitRates: [200], submitSeconds: 10, idleAccounts: 1000, idleSeconds: 10, throughputBudgetSeconds: 240 }
  : { accounts: 1000, tasksPerAccount: 20, handoffTasks: 1000, submitRates: [500, 1000], submitSeconds: 30, idleAccounts: 10_000, idleSeconds: 20, throughputBudgetSeconds: 420 };
if (idleAccountsArg) SIZES.idleAccounts = Number(idleAccountsArg.slice(16));
/** Submit scenario: every rate is first sent for `warmSeconds`, then drained, then measured; over `accounts` accounts. */
const SUBMIT = { accounts: 200, warmSeconds: 5, drainTimeoutMs: 300_000, timeoutMs: 30_000, maxSockets: 256 };
/** Single submissions to fresh accounts, for 202 → started on an idle account (both modes). */
const IDLE_START = { accounts: 200, rate: 20 };
/** `npm start` with embedded defaults (both modes): a warm-up at the rate, drained, then the measured seconds. */
const START = { rate: 300, seconds: 10, accounts: 100, warmSeconds: 3, readyTimeoutMs: 300_000, drainTimeoutMs: 300_000 };
/**
 * Baton settings taken from the environment (`RELAY_CONCURRENCY=16 npm run bench`, to try a lever): they
 * reach the in-process system as they reach the child processes, and the results record them.
 */
const batonEnv = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => /^(RELAY|RUN|WORKER|ACCOUNT)_/.test(e[0]) && !!e[1]));
const CONCURRENCY = 50; // peers' worker concurrency; Baton's worker uses its configured defaults
const dbUrl = process.env.BENCH_DATABASE_URL ?? TEST_DATABASE_URL;
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const log = (msg: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

interface SystemFigures {
  /** `finished: false`: the system did not run every task within the budget; the rate is what it did. */
  throughput?: {
    tasks: number; done: number; seconds: number; tasksPerSecond: number; finished: boolean; check: Check;
    /** How long handing all the tasks to the system took (Baton: the intake's HTTP batches). */
    submitSeconds: number;
    /** CPU during the run, percent of one core: the bench process holds the system's worker (and Baton's API). */
    cpuPercent: CpuFigures;
  };
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

/** `pids`: the system's processes besides the bench process (Baton's dev server), for the CPU figures. */
async function measure(sys: BenchSystem, pids: Record<string, number> = {}): Promise<SystemFigures> {
  const figures: SystemFigures = {};
  // Warm-up: connections, caches, JIT; not measured.
  const warm = jobsFor('warm', 20, 2);
  await sys.submit(warm);
  if (!(await waitFor(sys, warm.length, 120_000))) throw new Error(`${sys.name}: the warm-up did not finish`);
  const base = await sys.finished();

  const tp = jobsFor('tp', SIZES.accounts, SIZES.tasksPerAccount);
  const cpu = await cpuProbe(pids);
  const t0 = Date.now();
  await sys.submit(tp);
  const submitSeconds = (Date.now() - t0) / 1000;
  const finished = await waitFor(sys, base + tp.length, SIZES.throughputBudgetSeconds * 1000);
  const cpuPercent = await cpu.stop();
  const tpRuns = (await sys.runs()).filter((r) => r.account.startsWith('tp-'));
  const seconds = finished ? (Math.max(...tpRuns.map((r) => r.end)) - t0) / 1000 : (Date.now() - t0) / 1000;
  figures.throughput = {
    tasks: tp.length, done: tpRuns.length, seconds, tasksPerSecond: tpRuns.length / seconds, finished, check: checkRuns(tpRuns, tp.length), submitSeconds, cpuPercent,
  };
  log(`${sys.name}: throughput ${fmt(figures.throughput.tasksPerSecond)} tasks/s${finished ? '' : ` (did not finish: ${tpRuns.length}/${tp.length})`}; submitted in ${fmt(submitSeconds)} s; CPU % of a core ${JSON.stringify(cpuPercent)}`);
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

function rssMb(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? NaN) / 1024);
}

/** The dev server (TestTemporal) or the real server (TestTemporalServer): what the scenarios need of either. */
type BenchTemporal = { address: string; server: { pid: number } };

async function startBatonProcesses(temporal: BenchTemporal, url: string, extra: Record<string, string> = {}) {
  const port = await freePort();
  const env = { TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: url, LOG_LEVEL: 'warn', DEMO_HANDLERS: '1', API_RATE_LIMIT_RPS: '0', PORT: String(port), ...extra };
  const worker = startTs('worker/main.ts', env);
  const api = startTs('api/server.ts', env);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while ((await fetch(`${base}/health`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 0)) !== 200) {
    if (Date.now() > deadline) throw new Error(`Baton processes not ready:\n${api.output().slice(-2000)}\n${worker.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { worker, api, base };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `pending` until it is 0; the seconds that took, or NaN when `timeoutMs` passed first. */
async function drain(what: string, pending: () => Promise<number>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const n = await pending().catch(() => -1);
    if (n === 0) return (Date.now() - t0) / 1000;
    if (Date.now() - t0 > timeoutMs) {
      log(`${what}: ${n} still pending after ${timeoutMs / 1000} s: going on`);
      return NaN;
    }
    await sleep(500);
  }
}

const taskBody = (taskId: string) => JSON.stringify({ taskId, type: 'sleep', payload: { ms: 0 } });

/**
 * One system's submit latency at every rate, over HTTP, open loop (bench/lib/load.ts): each rate is sent
 * for a few seconds first (the accounts' workflows or queues exist, the processes' code is hot), drained,
 * and then measured, so the figure is the steady state and not the first seconds of new processes. The
 * measured task ids are `s<rate>.<i>`, the warm-up's `w<rate>.<i>`; accounts `load-0` … `load-199`.
 * `after` runs after each measured rate (Baton's delivery lag, read from the ledger).
 */
async function submitSeries<T>(name: string, base: string, pending: () => Promise<number>, pids: Record<string, number>, after?: (rate: number) => Promise<T>) {
  const out: (LoadResult & { warmup: LoadResult; drainedSeconds: number; cpuPercent: CpuFigures; postgresBackends: Record<string, number>; after?: T })[] = [];
  const pg = postgres(dbUrl, { max: 1, onnotice: () => {} });
  for (const rate of SIZES.submitRates) {
    const load = (seconds: number, id: (i: number) => string) =>
      openLoop({
        base, rate, seconds, expect: 202, timeoutMs: SUBMIT.timeoutMs, maxSockets: SUBMIT.maxSockets,
        path: (i) => `/api/accounts/load-${i % SUBMIT.accounts}/tasks`,
        body: (i) => taskBody(id(i)),
      });
    const warmup = await load(SUBMIT.warmSeconds, (i) => `w${rate}.${i}`);
    // Drained: an overloaded warm-up (or the rate before) must not leave a backlog the measured seconds pay for.
    const drainedSeconds = await drain(`${name} before ${rate}/s`, pending, SUBMIT.drainTimeoutMs);
    const cpu = await cpuProbe(pids);
    const activity = pgActivityProbe(pg);
    const measured = await load(SIZES.submitSeconds, (i) => `s${rate}.${i}`);
    const cpuPercent = await cpu.stop();
    const postgresBackends = await activity.stop();
    log(`${name}: CPU % of a core ${JSON.stringify(cpuPercent)}; Postgres backends (mean) ${JSON.stringify(postgresBackends)}`);
    log(`${name}: submit ${rate}/s: p50 ${fmt(measured.p50)} ms, p99 ${fmt(measured.p99)} ms, max ${fmt(measured.max)} ms, errors ${measured.errors} ${JSON.stringify(measured.errorKinds)}, send lag p99 ${fmt(measured.sendLagP99)} ms`);
    out.push({ ...measured, warmup, drainedSeconds, cpuPercent, postgresBackends, ...(after ? { after: await after(rate) } : {}) });
  }
  await pg.end();
  return out;
}

/** The ledger's answer to "how long from 202 to the workflow having the task", and how many signals that took. */
async function deliveryLag(admin: postgres.Sql, idPrefix: string, waitMs: number) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const [row] = await admin`select count(*)::int as n from tasks where task_id like ${`${idPrefix}%`} and delivered_at is null`;
    if (row!.n === 0) break;
    if (Date.now() > deadline) {
      log(`baton: ${row!.n} tasks ${idPrefix}* still undelivered after ${waitMs / 1000} s`);
      break;
    }
    await sleep(250);
  }
  const rows = await admin`select extract(epoch from delivered_at - created_at) * 1000 as ms from tasks where task_id like ${`${idPrefix}%`} and delivered_at is not null`;
  // One signal marks its tasks with one statement, so they share their delivered_at.
  const [sig] = await admin`select count(distinct (account_id, delivered_at))::int as signals, count(*)::int as tasks,
    extract(epoch from max(delivered_at) - min(delivered_at))::float as span from tasks where task_id like ${`${idPrefix}%`} and delivered_at is not null`;
  const s = summary(rows.map((r) => Number(r.ms)));
  return {
    tasks: sig!.tasks as number,
    p50: s.p50,
    p99: s.p99,
    max: s.max,
    signals: sig!.signals as number,
    tasksPerSignal: sig!.tasks / Math.max(1, sig!.signals),
    signalsPerSecond: sig!.signals / Math.max(0.001, Number(sig!.span)),
  };
}

/** Single submissions to fresh (so idle) accounts, one at a time at a low rate: 202 → delivered and → started. */
async function idleStartLag(base: string, admin: postgres.Sql) {
  const load = await openLoop({
    base, rate: IDLE_START.rate, seconds: IDLE_START.accounts / IDLE_START.rate, expect: 202, timeoutMs: SUBMIT.timeoutMs,
    path: (i) => `/api/accounts/fresh-${i}/tasks`,
    body: (i) => taskBody(`i.${i}`),
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [row] = await admin`select count(*)::int as n from tasks where task_id like 'i.%' and started_at is not null`;
    if (row!.n >= IDLE_START.accounts - load.errors || Date.now() > deadline) break;
    await sleep(250);
  }
  const rows = await admin`select extract(epoch from delivered_at - created_at) * 1000 as delivered, extract(epoch from started_at - created_at) * 1000 as started
    from tasks where task_id like 'i.%' and started_at is not null`;
  const delivered = summary(rows.map((r) => Number(r.delivered)));
  const startedLag = summary(rows.map((r) => Number(r.started)));
  return {
    submissions: load.requests, rate: IDLE_START.rate, errors: load.errors, submitP50: load.p50, submitP99: load.p99, started: rows.length,
    deliveredP50: delivered.p50, deliveredP99: delivered.p99, startedP50: startedLag.p50, startedP99: startedLag.p99, startedMax: startedLag.max,
  };
}

/**
 * What one intake transaction costs in Postgres, without HTTP: `storeSubmissions` with one task (what a
 * single POST does), one after the other on an idle system, then 10 at a time (the API's pool size).
 * Without `url`, on an embedded PGlite in `dataDir` (what `npm start` uses; it runs one query at a time).
 */
async function intakeCost(url: string | undefined, dataDir = '.data') {
  const database = await openDatabase({ url, dataDir, poolSize: 10 });
  if (!url) await migrateDatabase(database);
  try {
    const one = async (tag: string, i: number) => {
      const t = performance.now();
      const [r] = await storeSubmissions(database.db, [{ accountId: `cost-${i % 50}`, spec: { taskId: `c.${tag}.${i}`, type: 'sleep', payload: { ms: 0 }, submittedAtMs: Date.now() } }], 100_000);
      if (r?.kind !== 'queued') throw new Error(`intake cost: ${JSON.stringify(r)}`);
      return performance.now() - t;
    };
    for (let i = 0; i < 50; i++) await one('warm', i);
    const sequential: number[] = [];
    for (let i = 0; i < 300; i++) sequential.push(await one('seq', i));
    const concurrent: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 10 }, async () => {
      while (next < 1000) concurrent.push(await one('par', next++));
    }));
    const seconds = (performance.now() - t0) / 1000;
    const seq = summary(sequential);
    const par = summary(concurrent);
    return { sequentialP50: seq.p50, sequentialP99: seq.p99, concurrent10P50: par.p50, concurrent10P99: par.p99, concurrent10PerSecond: concurrent.length / seconds };
  } finally {
    await database.close();
  }
}

/** Baton's `npm run api` and `npm run worker` on a fresh schema: submit latency, delivery lag, idle start. */
async function batonSubmit(temporal: BenchTemporal, url: string, name = 'baton') {
  const procs = await startBatonProcesses(temporal, url, { TEMPORAL_TASK_QUEUE: 'bench-submit' });
  const db = postgres(url, { max: 1, onnotice: () => {} });
  const pending = async () => {
    const [row] = await db`select count(*)::int as n from tasks where status in ('queued', 'running')`;
    return row!.n as number;
  };
  try {
    const pids = { api: procs.api.pid, worker: procs.worker.pid, temporal: temporal.server.pid };
    const rates = await submitSeries(name, procs.base, pending, pids, (rate) => deliveryLag(db, `s${rate}.`, 300_000));
    for (const r of rates) log(`${name}: delivery lag at ${r.ratePerSecond}/s ${JSON.stringify(r.after)}`);
    await drain('baton before the idle series', pending, SUBMIT.drainTimeoutMs);
    const idleStart = await idleStartLag(procs.base, db);
    log(`baton: idle accounts ${JSON.stringify(idleStart)}`);
    await drain('baton before the intake cost', pending, SUBMIT.drainTimeoutMs);
    const intake = await intakeCost(url);
    log(`baton: intake transaction (ms, no HTTP) ${JSON.stringify(intake)}`);
    return {
      intakeTransactionMs: intake,
      rates: rates.map(({ after: _, ...r }) => r),
      deliveryLag: rates.map((r) => ({ ratePerSecond: r.ratePerSecond, ...r.after! })),
      idleStart,
    };
  } finally {
    await db.end();
    await stopAll([procs.api, procs.worker]);
  }
}

/** A peer behind the same HTTP shape (bench/systems/peer-http.ts): its API and its worker as two processes. */
async function peerSubmit(peer: 'graphile' | 'pgboss', schema: string) {
  const port = await freePort();
  const env = { PEER: peer, DATABASE_URL: dbUrl, PEER_SCHEMA: schema, PORT: String(port), CONCURRENCY: String(CONCURRENCY) };
  const base = `http://127.0.0.1:${port}`;
  const children: Child[] = [];
  try {
    const api = startTs('bench/systems/peer-http.ts', { ...env, ROLE: 'api' });
    children.push(api);
    const deadline = Date.now() + 60_000;
    while ((await fetch(`${base}/health`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 0)) !== 200) {
      if (Date.now() > deadline || api.proc.exitCode !== null) throw new Error(`${peer} HTTP server not ready:\n${api.output().slice(-2000)}`);
      await sleep(250);
    }
    const worker = startTs('bench/systems/peer-http.ts', { ...env, ROLE: 'worker' });
    children.push(worker);
    const pending = async () => ((await fetch(`${base}/pending`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.json())) as { pending: number }).pending;
    return (await submitSeries(peer, base, pending, { api: api.pid, worker: worker.pid })).map(({ after: _, ...r }) => r);
  } finally {
    await stopAll(children.reverse());
  }
}

/** The live processes of process group `pgid` (from /proc), named by command. */
async function groupMembers(pgid: number): Promise<Record<string, number>> {
  const members: Record<string, number> = {};
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the command name: state, ppid, pgrp.
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue;
    // Named by the script it runs (start.ts), else by its program (npm, sh, temporal, esbuild).
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean);
    const name = path.basename(argv.find((a) => a.endsWith('.ts')) ?? argv[0] ?? 'unknown');
    members[`${name}:${entry}`] = Number(entry);
  }
  return members;
}

/**
 * `npm start` as a user runs it: embedded PGlite in a fresh data directory, its own dev server on free
 * ports, worker and API in one process. Spawned in a process group of its own (npm → tsx → node, and the
 * dev server below it), stopped with SIGTERM to that group, SIGKILL after a grace period.
 */
async function npmStart() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-start-'));
  const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), BATON_DATA_DIR: dataDir, TEMPORAL_PORT: String(temporalPort), TEMPORAL_UI_PORT: String(uiPort) };
  // Embedded defaults: nothing of ours may point it elsewhere.
  for (const k of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_TASK_QUEUE', 'API_KEYS', 'API_RATE_LIMIT_RPS', 'LOG_LEVEL']) delete env[k];
  const root = fileURLToPath(new URL('..', import.meta.url));
  const child = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit');
  const group = child.pid!;
  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  try {
    while ((await fetch(`${base}/health`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 0)) !== 200) {
      if (Date.now() - t0 > START.readyTimeoutMs || child.exitCode !== null) throw new Error(`npm start not ready:\n${output.slice(-3000)}`);
      await sleep(500);
    }
    const readySeconds = (Date.now() - t0) / 1000;
    log(`start: ready after ${fmt(readySeconds)} s`);
    const pending = async () => {
      let n = 0;
      for (const status of ['queued', 'running']) {
        const page = (await fetch(`${base}/api/tasks?status=${status}&limit=1`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.json())) as { items: unknown[] };
        n += page.items.length;
      }
      return n;
    };
    const load = (seconds: number, prefix: string) =>
      openLoop({
        base, rate: START.rate, seconds, expect: 202, timeoutMs: SUBMIT.timeoutMs, maxSockets: SUBMIT.maxSockets,
        path: (i) => `/api/accounts/start-${i % START.accounts}/tasks`,
        body: (i) => taskBody(`${prefix}.${i}`),
      });
    const warmup = await load(START.warmSeconds, 'sw');
    log(`start: warm-up ${START.rate}/s for ${START.warmSeconds} s: p50 ${fmt(warmup.p50)} ms, p99 ${fmt(warmup.p99)} ms, errors ${warmup.errors}`);
    const warmDrainedSeconds = await drain('start warm-up', pending, START.drainTimeoutMs);
    const cpu = await cpuProbe(await groupMembers(group));
    const measured = await load(START.seconds, 'sm');
    const cpuPercent = await cpu.stop();
    log(`start: CPU % of a core ${JSON.stringify(cpuPercent)}`);
    // How long until everything acknowledged has run: the one process's worker shares its cores with the API.
    const drainedSeconds = await drain('start', pending, START.drainTimeoutMs);
    // The Baton process's memory once all ran: the largest start.ts process (npm and tsx's launcher are small).
    const rssMbAfter = Math.max(...await Promise.all(Object.entries(await groupMembers(group)).filter(([name]) => name.startsWith('start.ts:')).map(([, pid]) => rssMb(pid))));
    const figures = { ...measured, failed: measured.errors, cpuPercent, readySeconds, warmup, warmDrainedSeconds, drainedSeconds, accounts: START.accounts, rssMbAfter };
    log(`start: ${START.rate}/s: p50 ${fmt(measured.p50)} ms, p99 ${fmt(measured.p99)} ms, failed ${measured.errors} ${JSON.stringify(measured.errorKinds)}; all ran ${fmt(drainedSeconds)} s after`);
    return figures;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-group, 'SIGTERM');
      } catch { /* already gone */ }
      const timer = setTimeout(() => {
        try {
          process.kill(-group, 'SIGKILL');
        } catch { /* already gone */ }
      }, 30_000);
      await exited;
      clearTimeout(timer);
    }
    // The group may outlive npm itself (the dev server finishing): make sure nothing of it is left.
    await sleep(1000);
    if (Object.keys(await groupMembers(group)).length > 0) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch { /* none left */ }
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The intake transaction on an embedded PGlite of the bench process's own (npm start's database), no HTTP. */
async function pgliteIntakeCost() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-pglite-'));
  try {
    return await intakeCost(undefined, dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
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
log(`${quick ? 'quick' : 'full'} run: ${JSON.stringify(SIZES)}${scenarios ? `, scenarios ${scenarios.join(',')}` : ''}`);
const wanted = (name: string) => !only || only.includes(name);
// Baton's own dev server, for the throughput, submit and idle scenarios (`npm start` brings its own).
const temporal = wanted('baton') && (['throughput', 'submit', 'idle'] as const).some(scenarioWanted) ? await startTestTemporal() : undefined;
// The real server, on two databases of its own on the bench's Postgres server (dropped at the end).
const cluster = onCluster && wanted('baton') ? await startTestTemporalServer({ prefix: 'baton_bench', postgresUrl: dbUrl, log }) : undefined;
const admin = postgres(dbUrl, { max: 1, onnotice: () => {} });
const figures: Record<string, SystemFigures> = {};
const batonOnly: Record<string, unknown> = {};
/** Submit latency over HTTP, per system, one entry per rate. */
const submit: Record<string, LoadResult[]> = {};
type BatonSubmit = Awaited<ReturnType<typeof batonSubmit>>;
try {
  if (wanted('memory') && scenarioWanted('throughput')) {
    const sys = createMemorySystem();
    figures['in-memory'] = await measure(sys);
    await sys.stop();
  }
  if (wanted('baton') && scenarioWanted('throughput')) {
    const { url } = await freshSchema(admin, 'baton');
    const sys = await createBatonSystem({ ...batonEnv, TEMPORAL_ADDRESS: temporal!.address, DATABASE_URL: url, TEMPORAL_TASK_QUEUE: 'bench' }, 'b.');
    figures.baton = await measure(sys, { temporal: temporal!.server.pid });
    batonOnly.throughputDelivery = await sys.deliveries('tp-');
    log(`baton: throughput's deliveries ${JSON.stringify(batonOnly.throughputDelivery)}`);
    batonOnly.historyCost = await historyCost(sys);
    log(`baton: history ${fmt((batonOnly.historyCost as { eventsPerTask: number }).eventsPerTask)} events/task`);
    log(`baton: handoff steps (p50/p95 ms) ${Object.entries((batonOnly.historyCost as { handoffStepsMs: Record<string, { p50: number; p95: number }> }).handoffStepsMs)
      .map(([k, v]) => `${k} ${fmt(v.p50)}/${fmt(v.p95)}`).join(', ')}`);
    await sys.stop();
  }
  if (wanted('baton') && scenarioWanted('submit')) {
    const { url } = await freshSchema(admin, 'submit');
    const b = await batonSubmit(temporal!, url);
    submit.baton = b.rates;
    batonOnly.deliveryLag = b.deliveryLag;
    batonOnly.idleStart = b.idleStart;
    batonOnly.intakeTransactionMs = b.intakeTransactionMs;
  }
  if (cluster) {
    // The same measurements on the real server, named `baton (cluster)` in the tables; then scale-out.
    const name = 'baton (cluster)';
    if (scenarioWanted('throughput')) {
      const { url } = await freshSchema(admin, 'cluster');
      const sys = await createBatonSystem({ ...batonEnv, TEMPORAL_ADDRESS: cluster.address, DATABASE_URL: url, TEMPORAL_TASK_QUEUE: 'bench-cluster' }, 'c.');
      figures[name] = await measure(Object.assign(sys, { name }), { temporal: cluster.server.pid });
      await sys.stop();
    }
    if (scenarioWanted('submit')) {
      const b = await batonSubmit(cluster, (await freshSchema(admin, 'clustersubmit')).url, name);
      submit[name] = b.rates;
      batonOnly.cluster = { deliveryLag: b.deliveryLag, idleStart: b.idleStart };
    }
    if (scenarioWanted('scale-out')) {
      const ctx = { temporal: { address: cluster.address, serverPid: cluster.server.pid }, freshUrl: async (n: string) => (await freshSchema(admin, n)).url, env: batonEnv, log };
      batonOnly.scaleOut = await scaleOut(ctx, SCALE_OUT.workers, SCALE_OUT.accounts, SCALE_OUT.tasksPerAccount, SIZES.throughputBudgetSeconds * 1000);
    }
  }
  if (wanted('baton') && scenarioWanted('idle')) {
    // Every lever in one run, so their ratios compare like with like (bench/lib/idle-cost.ts).
    const ctx = { temporal: { address: temporal!.address, serverPid: temporal!.server.pid }, freshUrl: async (name: string) => (await freshSchema(admin, name)).url, log };
    const runs = await idleLevers(ctx, idleLeversWanted, SIZES.idleAccounts, SIZES.idleSeconds, idleShapes);
    batonOnly.idleCost = runs;
    console.log(`\n${idleTable(runs)}\n`);
  }
  if (wanted('baton') && scenarioWanted('start')) {
    batonOnly.npmStart = await npmStart();
    batonOnly.pgliteIntakeTransactionMs = await pgliteIntakeCost();
    log(`start: intake transaction on PGlite (ms, no HTTP) ${JSON.stringify(batonOnly.pgliteIntakeTransactionMs)}`);
  }
  if (wanted('graphile')) {
    if (scenarioWanted('throughput')) {
      const { schema } = await freshSchema(admin, 'graphile');
      const sys = await createGraphileSystem(dbUrl, schema, CONCURRENCY);
      figures['graphile-worker'] = await measure(sys);
      await sys.stop();
    }
    if (scenarioWanted('submit')) submit['graphile-worker'] = await peerSubmit('graphile', (await freshSchema(admin, 'graphilehttp')).schema);
  }
  if (wanted('pgboss')) {
    if (scenarioWanted('throughput')) {
      const { schema } = await freshSchema(admin, 'pgboss');
      const sys = await createPgBossSystem(dbUrl, schema, CONCURRENCY);
      figures['pg-boss'] = await measure(sys);
      await sys.stop();
    }
    if (scenarioWanted('submit')) submit['pg-boss'] = await peerSubmit('pgboss', (await freshSchema(admin, 'pgbosshttp')).schema);
  }
} finally {
  await admin.end();
  await temporal?.stop();
  await cluster?.stop();
}

const names = Object.keys(figures);
if (names.length) {
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
}

/** Baton's p99 over the system's at the same rate (HTTP against HTTP). */
const submitRatio = (system: string, rate: number) => {
  const b = submit.baton?.find((r) => r.ratePerSecond === rate);
  const o = submit[system]?.find((r) => r.ratePerSecond === rate);
  return b && o ? b.p99 / o.p99 : NaN;
};
if (Object.keys(submit).length) {
  const rows: (string | number)[][] = [['submit over HTTP', 'rate/s', 's', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'Baton/system p99', 'send lag p99 ms']];
  for (const [system, rates] of Object.entries(submit)) {
    for (const r of rates) rows.push([system, r.ratePerSecond, r.seconds, r.p50, r.p99, r.max, r.errors, submitRatio(system, r.ratePerSecond), r.sendLagP99]);
  }
  console.log(`${table(rows)}\n`);
}
const lag = batonOnly.deliveryLag as BatonSubmit['deliveryLag'] | undefined;
const idleStart = batonOnly.idleStart as BatonSubmit['idleStart'] | undefined;
const npmStartFigures = batonOnly.npmStart as Awaited<ReturnType<typeof npmStart>> | undefined;
if (lag || idleStart || npmStartFigures) {
  const rows: (string | number)[][] = [['Baton', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'notes']];
  for (const l of lag ?? []) {
    rows.push([`202 → delivered at ${l.ratePerSecond}/s`, l.p50, l.p99, l.max, '', `${l.signals} signals, ${fmt(l.tasksPerSignal)} tasks/signal, ${fmt(l.signalsPerSecond)} signals/s`]);
  }
  if (idleStart) {
    rows.push([`202 → delivered, idle accounts`, idleStart.deliveredP50, idleStart.deliveredP99, NaN, idleStart.errors, `${idleStart.submissions} fresh accounts at ${idleStart.rate}/s`]);
    rows.push([`202 → started, idle accounts`, idleStart.startedP50, idleStart.startedP99, idleStart.startedMax, '', `${idleStart.started} started`]);
  }
  if (npmStartFigures) {
    const w = npmStartFigures.warmup;
    rows.push([`npm start, ${npmStartFigures.ratePerSecond}/s for ${npmStartFigures.seconds} s`, npmStartFigures.p50, npmStartFigures.p99, npmStartFigures.max, npmStartFigures.failed,
      `${npmStartFigures.accounts} accounts; warm-up ${START.warmSeconds} s: p50 ${fmt(w.p50)}, p99 ${fmt(w.p99)}, ${w.errors} failed; all ran ${fmt(npmStartFigures.drainedSeconds)} s after the last`]);
  }
  console.log(`${table(rows)}\n`);
}
const clusterLag = batonOnly.cluster as Pick<BatonSubmit, 'deliveryLag' | 'idleStart'> | undefined;
if (clusterLag) {
  const rows: (string | number)[][] = [['Baton on the real server', 'p50 ms', 'p99 ms', 'max ms', 'notes']];
  for (const l of clusterLag.deliveryLag) rows.push([`202 → delivered at ${l.ratePerSecond}/s`, l.p50, l.p99, l.max, `${l.signals} signals, ${fmt(l.tasksPerSignal)} tasks/signal`]);
  const i = clusterLag.idleStart;
  rows.push([`202 → started, idle accounts`, i.startedP50, i.startedP99, i.startedMax, `${i.started} of ${i.submissions} started`]);
  console.log(`${table(rows)}\n`);
}
if (batonOnly.scaleOut) console.log(`${table(scaleOutRows(batonOnly.scaleOut as ScaleOutStep[]))}\n`);

/** The issue's targets, reported (never asserted): what this run measured of them. */
const targets: { measure: string; target: string; measured: string; met: boolean | null }[] = [];
for (const r of submit.baton ?? []) {
  const limit = r.ratePerSecond <= 500 ? 25 : 50;
  targets.push({ measure: `submit p99 at ${r.ratePerSecond}/s for ${r.seconds} s`, target: `≤ ${limit} ms, 0 errors`, measured: `${fmt(r.p99)} ms, ${r.errors} errors`, met: r.p99 <= limit && r.errors === 0 });
  for (const peer of ['graphile-worker', 'pg-boss']) {
    const ratio = submitRatio(peer, r.ratePerSecond);
    if (Number.isFinite(ratio)) targets.push({ measure: `submit p99 at ${r.ratePerSecond}/s, Baton ÷ ${peer}`, target: peer === 'graphile-worker' ? '≤ 1.5×' : '—', measured: `${fmt(ratio)}×`, met: peer === 'graphile-worker' ? ratio <= 1.5 : null });
  }
}
for (const l of lag ?? []) {
  targets.push({ measure: `delivery lag p99 at ${l.ratePerSecond}/s`, target: l.ratePerSecond <= 500 ? '≤ 250 ms' : '—', measured: `${fmt(l.p99)} ms`, met: l.ratePerSecond <= 500 ? l.p99 <= 250 : null });
}
if (npmStartFigures) {
  targets.push({ measure: `npm start, ${npmStartFigures.ratePerSecond}/s for ${npmStartFigures.seconds} s`, target: '0 failed, p99 ≤ 100 ms', measured: `${npmStartFigures.failed} failed, p99 ${fmt(npmStartFigures.p99)} ms`, met: npmStartFigures.failed === 0 && npmStartFigures.p99 <= 100 });
}
targets.push(...idleTargets((batonOnly.idleCost as Parameters<typeof idleTargets>[0] | undefined) ?? []));
if (figures.baton?.throughput && figures['graphile-worker']?.throughput) {
  const ratio = figures.baton.throughput.tasksPerSecond / figures['graphile-worker'].throughput.tasksPerSecond;
  const want = quick ? 1 : 1.5;
  targets.push({ measure: `throughput ${SIZES.accounts} × ${SIZES.tasksPerAccount}, Baton ÷ graphile-worker`, target: `≥ ${want}×`, measured: `${fmt(ratio)}×`, met: ratio >= want });
}
if (targets.length) {
  console.log(`${table([['target', 'wanted', 'measured', 'met'], ...targets.map((t) => [t.measure, t.target, t.measured, t.met === null ? '—' : t.met ? 'yes' : 'NO'])])}\n`);
}
console.log(`Baton only: ${JSON.stringify(batonOnly, null, 2)}\n`);

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
    batonEnv,
    baton: 'throughput: in-process worker and API with default settings (200 activities, 100 workflow tasks), dev server SQLite WAL, tasks submitted through the intake (POST /api/tasks/batch, 1,000 a request) and delivered by the relay; submit: npm run api + npm run worker',
    submit: { ...SUBMIT, idleStart: IDLE_START, peers: 'Hono on 127.0.0.1 inserting one job a request (graphile-worker addJob with queueName = account, pg-boss send with singletonKey = account), worker in a second process' },
    start: START,
    task: 'no-op (Baton: sleep {ms: 0}), timings from each system\'s own records',
  },
  figures,
  submit,
  targets,
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
  if (!f.throughput) return false;
  if (f.throughput && !f.throughput.finished) return wrong(f.throughput.check);
  return !(f.throughput?.check.ok && f.handoff?.check.ok);
});
process.exit(failed.length ? 1 : 0);
