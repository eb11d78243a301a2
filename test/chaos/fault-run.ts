/**
 * The fault run: Baton as separate processes (Temporal dev server on its own SQLite file, worker/main.ts ×N,
 * api/server.ts, a private PostgreSQL cluster), thousands of tasks over hundreds of accounts submitted
 * over real HTTP, and mid-run, one after another, each recovered from before the next:
 *   1. a worker SIGKILLed and a replacement started;
 *   2. the Temporal dev server restarted on its SQLite file and port;
 *   3. the API killed (SIGKILL) right after the last fifth of the tasks is released at once (the flood),
 *      and started again on the same port;
 *   4. Postgres stopped for a few seconds and started again.
 * Clients submit each account's tasks one at a time (the next after the previous got its 2xx): half as
 * single requests retried with the same Idempotency-Key, half in batch requests carrying their own task
 * ids, retried with the same ids. A task counts as acknowledged only once it got a 2xx. Then, with
 * everything running and a bounded time to drain, the ledger is judged (./ledger-checks.ts) and the
 * figures are printed as a table.
 *
 * Task mix per account (seeded, CHAOS_SEED replays it): `sleep` 0-30 ms (80 %), `simulate` ok, transient
 * (retried by Temporal), rate_limited (back to the head of the queue), error, unavailable; and in one
 * account in five, three `simulate` tasks engaging the same (target, action): one success, then dedupe hits.
 *
 * Every process binds to 127.0.0.1 on a free port and lives in a temporary directory; everything is
 * stopped by pid at the end, also on failure. Knobs (environment, all optional): CHAOS_TASKS (2000),
 * CHAOS_ACCOUNTS (200), CHAOS_WORKERS (2), CHAOS_SUBMIT_SECONDS (40: the first four fifths are paced over
 * this long), CHAOS_SEED, CHAOS_PG_OUTAGE_MS (5000), CHAOS_API_SIGNAL (SIGKILL|SIGTERM),
 * CHAOS_TEMPORAL_SIGNAL (SIGTERM|SIGKILL), CHAOS_FAULT_GAP_MS (6000), CHAOS_DRAIN_TIMEOUT_S (150),
 * CHAOS_GIVE_UP_S (120), CHAOS_BUDGET_S (450: the run ends within it, vitest allows 480), CHAOS_KEEP_DIR=1 (keep the temporary directory), CHAOS_TOLERATE_EXITS=1 (a Baton
 * process that dies on its own is reported but does not fail the run), CHAOS_FAULTS (all; none; or a
 * list of worker,temporal,api,postgres to bisect).
 *
 * The run fails when an acknowledged task is lost, a task has more than one terminal event (or a terminal
 * status without its event), two runs of one account overlap, FIFO breaks within an account, an interaction
 * succeeds twice inside its window, the ledger does not drain in time, a fault cannot be injected or
 * recovered from, fewer than 90 % of the tasks are acknowledged, or a Baton process dies on its own (a fault must be survived, not crash the survivors;
 * such a process is restarted so that the rest can still be judged).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import postgres from 'postgres';
import { idempotentTaskId } from '../../api/submission';
import { openDatabase } from '../../db/client';
import { migrateDatabase } from '../../db/migrate';
import { findOrBuildTemporalCli, freePort, startDevServer, type DevServer } from '../../scripts/temporal-cli';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres';
import { startTs, type Child } from '../helpers/processes';
import { eventually } from '../helpers/wait';
import { judge, type AckedTask, type InteractionEvent, type TaskEvent, type TaskRow, type Verdict } from './ledger-checks';

export interface FaultRunOptions {
  tasks: number;
  accounts: number;
  workers: number;
  /** The first four fifths of each account's tasks are paced over about this long; the last fifth is the flood. */
  submitSeconds: number;
  seed: number;
  pgOutageMs: number;
  apiSignal: 'SIGKILL' | 'SIGTERM';
  temporalSignal: 'SIGTERM' | 'SIGKILL';
  /** Pause before the first fault and between faults (after the previous one recovered). */
  faultGapMs: number;
  drainTimeoutMs: number;
  /** A client gives a task up (not acknowledged) after trying this long. */
  giveUpMs: number;
  /** The whole run's budget: submissions stop and the drain is cut short so that it ends within it. */
  budgetMs: number;
  keepDir: boolean;
  /** Report a process that died on its own without failing the run (it is restarted either way). */
  tolerateExits: boolean;
  /** Which faults to inject (all four by default; fewer to bisect a failure, none for a baseline). */
  faults: FaultName[];
  log: (line: string) => void;
}

export const FAULTS = ['worker', 'temporal', 'api', 'postgres'] as const;
export type FaultName = (typeof FAULTS)[number];

export function optionsFromEnv(env: Record<string, string | undefined> = process.env): FaultRunOptions {
  const num = (name: string, dflt: number) => {
    const v = env[name];
    if (v === undefined || v === '') return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(v)}`);
    return n;
  };
  const oneOf = <T extends string>(name: string, allowed: T[], dflt: T): T => {
    const v = env[name];
    if (!v) return dflt;
    if (!allowed.includes(v as T)) throw new Error(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  };
  return {
    tasks: num('CHAOS_TASKS', 2000),
    accounts: num('CHAOS_ACCOUNTS', 200),
    workers: Math.max(2, num('CHAOS_WORKERS', 2)),
    submitSeconds: num('CHAOS_SUBMIT_SECONDS', 40),
    seed: num('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31)),
    pgOutageMs: num('CHAOS_PG_OUTAGE_MS', 5000),
    apiSignal: oneOf('CHAOS_API_SIGNAL', ['SIGKILL', 'SIGTERM'], 'SIGKILL'),
    temporalSignal: oneOf('CHAOS_TEMPORAL_SIGNAL', ['SIGTERM', 'SIGKILL'], 'SIGTERM'),
    faultGapMs: num('CHAOS_FAULT_GAP_MS', 6000),
    drainTimeoutMs: num('CHAOS_DRAIN_TIMEOUT_S', 150) * 1000,
    giveUpMs: num('CHAOS_GIVE_UP_S', 120) * 1000,
    budgetMs: num('CHAOS_BUDGET_S', 450) * 1000,
    keepDir: env.CHAOS_KEEP_DIR === '1',
    tolerateExits: env.CHAOS_TOLERATE_EXITS === '1',
    faults: faultList(env.CHAOS_FAULTS),
    // Straight to stderr: vitest would head every console line with the test's name.
    log: (line) => void process.stderr.write(`${line}\n`),
  };
}

function faultList(v: string | undefined): FaultName[] {
  if (v === undefined || v === '' || v === 'all') return [...FAULTS];
  if (v === 'none') return [];
  const names = v.split(',').map((x) => x.trim());
  const bad = names.filter((n) => !(FAULTS as readonly string[]).includes(n));
  if (bad.length) throw new Error(`CHAOS_FAULTS: unknown ${bad.join(', ')}; use all, none or a list of ${FAULTS.join(', ')}`);
  return names as FaultName[];
}

export interface FaultRecord {
  name: string;
  /** Seconds since the submissions began. */
  atS: number;
  /** How long until the component was back (seconds). */
  recoveredInS: number;
  detail: string;
}

export interface FaultRunReport {
  options: Omit<FaultRunOptions, 'log'>;
  submitted: number;
  acknowledged: number;
  gaveUp: number;
  rejected: { taskId: string; status: number; body: string }[];
  faults: FaultRecord[];
  unexpectedExits: { name: string; pid: number; code: number | null; signal: string | null; atS: number; tail: string }[];
  http: Record<string, number>;
  submitSeconds: number;
  drainSeconds: number | null;
  drained: boolean;
  verdict: Verdict;
  /** Acknowledged tasks whose terminal status is not the one their payload asks for (information). */
  unexpectedOutcomes: { taskId: string; kind: string; expected: string; status: string; error: string | null }[];
  /** The longest time no task finished (seconds, from t=fromS), and an account with a task queued across it: its workflow's events meanwhile. */
  stall: { seconds: number; fromS: number; account: string; history: string } | null;
  /** When the ledger did not drain: what the workflows of a few accounts with live tasks are waiting on. */
  stuck: string[];
  /** Counts of telling lines in the processes' output (see SIGNATURES). */
  signatures: Record<string, number>;
  totalSeconds: number;
  failures: string[];
  table: string;
}

// ---------------------------------------------------------------------------------------------------------
// The plan: which tasks each account gets, through which endpoint

type Kind = 'sleep' | 'ok' | 'transient' | 'rate_limited' | 'error' | 'unavailable' | 'engage';

interface PlannedTask {
  taskId: string;
  accountId: string;
  index: number;
  kind: Kind;
  channel: 'single' | 'batch';
  idempotencyKey: string;
  body: { type: string; payload: Record<string, unknown> };
}

/** mulberry32: a small seeded generator, so that a failing run can be replayed with CHAOS_SEED. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function plan(o: FaultRunOptions, runId: string): PlannedTask[][] {
  const random = rng(o.seed);
  const int = (max: number) => Math.floor(random() * (max + 1));
  const perAccount: PlannedTask[][] = [];
  const engageAccounts = Math.floor(o.accounts / 5);
  for (let a = 0; a < o.accounts; a++) {
    const accountId = `chaos-${runId}-a${String(a).padStart(3, '0')}`;
    const count = Math.floor(o.tasks / o.accounts) + (a < o.tasks % o.accounts ? 1 : 0);
    const list: PlannedTask[] = [];
    for (let i = 0; i < count; i++) {
      let kind: Kind;
      const r = random();
      if (a < engageAccounts && i % 3 === 1) kind = 'engage';
      else if (r < 0.8) kind = 'sleep';
      else if (r < 0.87) kind = 'ok';
      else if (r < 0.91) kind = 'transient';
      else if (r < 0.95) kind = 'rate_limited';
      else if (r < 0.98) kind = 'error';
      else kind = 'unavailable';
      const ms = int(30);
      const body =
        kind === 'sleep'
          ? { type: 'sleep', payload: { ms } }
          : kind === 'engage'
            ? { type: 'simulate', payload: { ms: int(20), target: `post-${a % 7}`, action: 'like' } }
            : { type: 'simulate', payload: kind === 'ok' ? { ms } : { ms, outcome: kind === 'error' ? 'error' : kind, failTimes: 1 } };
      const channel = random() < 0.5 ? 'single' : 'batch';
      const idempotencyKey = `${runId}-${a}-${i}`;
      list.push({
        taskId: channel === 'single' ? idempotentTaskId(accountId, idempotencyKey) : randomUUID(),
        accountId, index: i, kind, channel, idempotencyKey, body,
      });
    }
    perAccount.push(list);
  }
  return perAccount;
}

function expectedStatus(t: PlannedTask, firstEngage: boolean): string {
  switch (t.kind) {
    case 'error':
      return 'failed';
    case 'unavailable':
      return 'skipped';
    case 'engage':
      return firstEngage ? 'succeeded' : 'skipped';
    default:
      return 'succeeded';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Small tools

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class Semaphore {
  private waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

function table(rows: [string, string][], title: string): string {
  const w1 = Math.max(...rows.map(([a]) => a.length), 6);
  const w2 = Math.max(...rows.map(([, b]) => b.length), 5);
  const line = `+-${'-'.repeat(w1)}-+-${'-'.repeat(w2)}-+`;
  return [title, line, ...rows.map(([a, b]) => `| ${a.padEnd(w1)} | ${b.padEnd(w2)} |`), line].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Processes

interface Managed {
  name: string;
  entry: string;
  env: Record<string, string>;
  child: Child;
  expectedExit: boolean;
}

/** Lines in the processes' output worth counting: they explain a slow drain or a dead process. */
const SIGNATURES: [string, RegExp][] = [
  ['database connection lost', /database connection lost/g],
  ['uncaught exception', /uncaught exception/g],
  ['workflow task > 5 s', /Workflow task duration exceeded/g],
];

class ProcessSet {
  readonly all: Managed[] = [];
  readonly unexpectedExits: FaultRunReport['unexpectedExits'] = [];
  readonly signatures: Record<string, number> = Object.fromEntries(SIGNATURES.map(([name]) => [name, 0]));
  stopping = false;
  /** While true (a dependency is down on purpose), a process that died waits to be started again. */
  holdRestarts = false;
  private restarts = 0;

  constructor(
    private readonly since: () => number,
    private readonly log: (line: string) => void,
  ) {}

  start(name: string, entry: string, env: Record<string, string>): Managed {
    const m: Managed = { name, entry, env, child: startTs(entry, env), expectedExit: false };
    this.all.push(m);
    this.log(`  started ${name} (pid ${m.child.pid})`);
    const scan = (b: Buffer) => {
      const text = b.toString();
      for (const [sig, re] of SIGNATURES) this.signatures[sig]! += text.match(re)?.length ?? 0;
    };
    m.child.proc.stdout?.on('data', scan);
    m.child.proc.stderr?.on('data', scan);
    m.child.proc.once('exit', (code, signal) => {
      if (m.expectedExit || this.stopping) return;
      const tail = m.child.output().slice(-3000);
      this.unexpectedExits.push({ name, pid: m.child.pid, code, signal, atS: this.since(), tail });
      this.log(`!! ${name} (pid ${m.child.pid}) exited on its own (code ${code}, signal ${signal}): ${firstErrorLine(tail)}\n${tail.slice(-1200)}`);
      // Keep the run going so the invariants can still be judged; the exit is reported.
      const i = this.all.indexOf(m);
      if (i >= 0) this.all.splice(i, 1);
      if (this.restarts++ < 6) {
        void (async () => {
          // A process starting while Postgres or Temporal is down on purpose would only exit again.
          do await sleep(1000);
          while (this.holdRestarts && !this.stopping);
          if (!this.stopping) this.start(`${name}-restarted`, entry, env);
        })();
      }
    });
    return m;
  }

  live(prefix: string): Managed[] {
    return this.all.filter((m) => m.name.startsWith(prefix) && m.child.proc.exitCode === null && m.child.proc.signalCode === null);
  }

  async stop(m: Managed, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
    m.expectedExit = true;
    await m.child.stop(signal, graceMs);
    const i = this.all.indexOf(m);
    if (i >= 0) this.all.splice(i, 1);
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.all.map((m) => this.stop(m, 'SIGTERM', 5000)));
  }
}

// ---------------------------------------------------------------------------------------------------------

export async function runFaultRun(o: FaultRunOptions): Promise<FaultRunReport> {
  const log = o.log;
  const runStarted = Date.now();
  let submitStarted = 0;
  const since = () => Math.round(((Date.now() - (submitStarted || runStarted)) / 1000) * 10) / 10;
  const runId = randomUUID().slice(0, 6);
  const queue = `baton-chaos-${runId}`;
  const dir = await mkdtemp(join(tmpdir(), 'baton-chaos-'));
  log(`fault run ${runId}: ${o.tasks} tasks over ${o.accounts} accounts, ${o.workers} workers, seed ${o.seed}, dir ${dir}`);

  const procs = new ProcessSet(since, log);
  let pg: PrivatePostgres | undefined;
  let temporal: DevServer | undefined;
  let checker: postgres.Sql | undefined;
  try {
    // --- the stack ---------------------------------------------------------------------------------------
    const [pgPort, temporalPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    pg = await startPrivatePostgres(pgPort, log);
    const migration = await openDatabase({ url: pg.url, dataDir: join(dir, 'migrate') });
    await migrateDatabase(migration);
    await migration.close();
    checker = postgres(pg.url, { max: 2, onnotice: () => {}, connect_timeout: 5, idle_timeout: 10 });

    const cli = await findOrBuildTemporalCli(log);
    const dbFile = join(dir, 'temporal.sqlite');
    const temporalAddress = `127.0.0.1:${temporalPort}`;
    const startTemporal = async () => {
      const server = await startDevServer({ cli, port: temporalPort, uiPort: 0, ui: false, dbFile, namespace: 'default', log: () => {} });
      const connection = await Connection.connect({ address: server.address });
      try {
        await eventually(async () => {
          await connection.workflowService.describeNamespace({ namespace: 'default' });
          return true;
        }, { timeoutMs: 60_000, what: 'the dev server namespace' });
      } finally {
        await connection.close();
      }
      log(`  Temporal dev server on ${server.address} (pid ${server.pid})`);
      return server;
    };
    temporal = await startTemporal();

    const env: Record<string, string> = {
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: queue,
      DATABASE_URL: pg.url,
      BATON_DATA_DIR: join(dir, 'data'),
      DEMO_HANDLERS: '1',
      LOG_LEVEL: 'warn',
      API_KEYS: '',
      API_RATE_LIMIT_RPS: '0',
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      // Cooldowns and retries in moments, so a rate-limited or killed task comes back within the run.
      RATE_LIMIT_STEPS: '0.3,0.6,1.2',
      RATE_LIMIT_JITTER: '0',
      COOLDOWN_AFTER_CONSECUTIVE: '3',
      COOLDOWN_MINUTES: '0.05',
      TASK_HEARTBEAT_TIMEOUT_MS: '3000',
      WORKER_STICKY_TIMEOUT_MS: '2000',
      WORKER_SHUTDOWN_GRACE_MS: '5000',
      ACCOUNT_IDLE_TIMEOUT_MS: '600000',
    };
    const base = `http://127.0.0.1:${apiPort}`;

    /** Resolves once o.workers worker processes are alive and each polls the task queue. */
    const workersReady = async () => {
      const connection = await Connection.connect({ address: temporalAddress });
      try {
        return await eventually(async () => {
          const live = procs.live('worker');
          if (live.length < o.workers) return false;
          const answer = await connection.workflowService.describeTaskQueue({
            namespace: 'default',
            taskQueue: { name: queue },
            taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
          });
          const polling = (answer.pollers ?? []).map((p) => p.identity ?? '');
          const ready = live.every((w) => polling.some((id) => id.endsWith(`:${w.child.pid}`)));
          return ready && live.map((w) => `${w.name} (pid ${w.child.pid})`).join(', ');
        }, { timeoutMs: 150_000, intervalMs: 500, what: `${o.workers} workers polling ${queue}` });
      } finally {
        await connection.close();
      }
    };
    const apiReady = () =>
      eventually(async () => (await fetch(`${base}/health/live`, { signal: AbortSignal.timeout(2000) })).ok, {
        timeoutMs: 90_000, intervalMs: 250, what: 'the API answering /health/live',
      });

    let workerNo = 0;
    const startWorker = () => procs.start(`worker-${++workerNo}`, 'worker/main.ts', env);
    for (let i = 0; i < o.workers; i++) startWorker();
    let apiNo = 1;
    procs.start('api-1', 'api/server.ts', env);
    await Promise.all([workersReady(), apiReady()]);
    log(`stack up in ${((Date.now() - runStarted) / 1000).toFixed(1)} s`);

    // --- submissions -------------------------------------------------------------------------------------
    const perAccount = plan(o, runId);
    const planned = new Map(perAccount.flat().map((t) => [t.taskId, t]));
    const acked: AckedTask[] = [];
    let ackSeq = 0;
    let gaveUp = 0;
    const rejected: FaultRunReport['rejected'] = [];
    const http: Record<string, number> = {};
    const count = (k: string) => (http[k] = (http[k] ?? 0) + 1);
    const firstAckAt = new Map<string, number>();
    const ack = (t: PlannedTask) => {
      acked.push({ taskId: t.taskId, accountId: t.accountId, ackSeq: ackSeq++ });
      if (!firstAckAt.has(t.accountId)) firstAckAt.set(t.accountId, Date.now());
    };
    const inFlight = new Semaphore(24);
    // The last fifth of each account's tasks waits for the flood: submitted all at once, unpaced, right
    // before the API is killed (the gate opens at that point of the fault sequence in any case).
    const floodFrom = (count: number) => Math.ceil(count * 0.8);
    let openFlood: () => void = () => {};
    const floodGate = new Promise<void>((resolve) => (openFlood = resolve));
    const pacedTasks = perAccount.reduce((sum, list) => sum + floodFrom(list.length), 0);
    const rate = pacedTasks / Math.max(1, o.submitSeconds);
    let nextSlot = 0;
    const pace = async (n: number) => {
      const at = Math.max(nextSlot, Date.now());
      nextSlot = at + (n * 1000) / rate;
      await sleep(at - Date.now());
    };
    const backoff = (n: number) => sleep(Math.min(2000, 150 * 2 ** n) * (0.5 + Math.random()));

    /** POST with a timeout; the answer's status and JSON, or the network error's kind. */
    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      await inFlight.acquire();
      try {
        const res = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        count(`${res.status}`);
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON
        }
        return { status: res.status, json, text };
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
        count(`network:${cause}`);
        return { status: 0, json: null, text: String(err) };
      } finally {
        inFlight.release();
      }
    };
    const retriable = (status: number) => status === 0 || status === 408 || status === 429 || status >= 500;

    // No submission outlives the budget, whatever the faults did: what is left by then is given up.
    const submitDeadline = runStarted + o.budgetMs - 90_000;
    const giveUpAt = () => Math.min(Date.now() + o.giveUpMs, submitDeadline);
    const attempted = new Set<string>();
    const submitSingle = async (t: PlannedTask) => {
      attempted.add(t.taskId);
      const deadline = giveUpAt();
      for (let n = 0; ; n++) {
        const r = await post(`/api/accounts/${encodeURIComponent(t.accountId)}/tasks`, t.body, { 'idempotency-key': t.idempotencyKey });
        if (r.status >= 200 && r.status < 300) {
          const taskId = (r.json as { taskId?: string } | null)?.taskId;
          if (taskId !== t.taskId) throw new Error(`the API answered task id ${taskId} for Idempotency-Key ${t.idempotencyKey}, expected ${t.taskId}`);
          ack(t);
          return;
        }
        if (!retriable(r.status)) {
          rejected.push({ taskId: t.taskId, status: r.status, body: r.text.slice(0, 300) });
          return;
        }
        if (n > 0) count('retried');
        if (Date.now() > deadline) {
          gaveUp++;
          return;
        }
        await backoff(n);
      }
    };

    // Batch: account loops hand in groups (consecutive batch tasks of one account); a collector sends up to
    // 200 items a request. Items keep their task ids across retries, so a retried item is the same task.
    // A group travels whole, in one request, and is retried whole: split over two requests in flight at
    // once, its tasks could arrive in either order, and FIFO is kept in the order tasks arrive.
    interface Item { t: PlannedTask; deadline: number; tries: number; done: (ok: boolean) => void }
    const pending: Item[][] = [];
    const batchesInFlight = new Set<Promise<void>>();
    const sendBatch = async (groups: Item[][]) => {
      const items = groups.flat();
      const groupOf = new Map(groups.flatMap((g) => g.map((it) => [it, g] as const)));
      for (const it of items) attempted.add(it.t.taskId);
      const r = await post('/api/tasks/batch', {
        tasks: items.map(({ t }) => ({ accountId: t.accountId, taskId: t.taskId, ...t.body })),
      });
      const results = (r.json as { results?: ({ index: number; taskId?: string; error?: { code: string } })[] } | null)?.results;
      const retry: Item[] = [];
      items.forEach((it, index) => {
        const res = r.status >= 200 && r.status < 300 ? results?.find((x) => x.index === index) : undefined;
        if (res?.taskId === it.t.taskId) return it.done(true);
        if (res?.error && !['queue_full', 'temporal_unavailable', 'database_unavailable', 'internal_error'].includes(res.error.code)) {
          rejected.push({ taskId: it.t.taskId, status: r.status, body: JSON.stringify(res.error).slice(0, 300) });
          return it.done(false);
        }
        if (r.status !== 0 && !retriable(r.status) && !res) {
          rejected.push({ taskId: it.t.taskId, status: r.status, body: r.text.slice(0, 300) });
          return it.done(false);
        }
        if (Date.now() > it.deadline) {
          gaveUp++;
          return it.done(false);
        }
        retry.push(it);
      });
      if (retry.length) {
        count('retried');
        await backoff(Math.min(...retry.map((it) => it.tries++)));
        // Regrouped in their original groups and order.
        const again = new Map<Item[], Item[]>();
        for (const it of retry) again.set(groupOf.get(it)!, [...(again.get(groupOf.get(it)!) ?? []), it]);
        pending.push(...again.values());
      }
    };
    const collector = setInterval(() => {
      while (pending.length && batchesInFlight.size < 4) {
        const groups: Item[][] = [];
        let size = 0;
        while (pending.length && (groups.length === 0 || size + pending[0]!.length <= 200)) {
          size += pending[0]!.length;
          groups.push(pending.shift()!);
        }
        const p: Promise<void> = sendBatch(groups).finally(() => batchesInFlight.delete(p));
        batchesInFlight.add(p);
      }
    }, 200);
    const submitGroup = (group: PlannedTask[]) => {
      const items: Item[] = [];
      const answers = group.map((t) => new Promise<boolean>((resolve) => items.push({ t, deadline: giveUpAt(), tries: 0, done: resolve })));
      pending.push(items);
      return Promise.all(answers).then((oks) => {
        // Acknowledged in submission order, once the whole group has its answers.
        group.forEach((t, i) => oks[i] && ack(t));
      });
    };

    const accountLoop = async (list: PlannedTask[]) => {
      const flood = floodFrom(list.length);
      for (let i = 0; i < list.length; ) {
        const t = list[i]!;
        if (i >= flood) await floodGate;
        if (t.channel === 'single') {
          if (i < flood) await pace(1);
          await submitSingle(t);
          i++;
          continue;
        }
        const group: PlannedTask[] = [];
        const end = i < flood ? flood : list.length; // a group stays on one side of the flood
        while (i < end && list[i]!.channel === 'batch' && group.length < 3) group.push(list[i++]!);
        if (i <= flood) await pace(group.length);
        await submitGroup(group);
      }
    };

    // Progress, every 5 s, from the ledger (which may be down: that is one of the faults).
    // No queries of ours while Postgres is down: they would only wait out the connect timeout.
    let pgDown = false;
    const progress = setInterval(() => {
      void (async () => {
        let ledger = 'Postgres is down';
        try {
          if (!pgDown) {
            const rows = await checker!`SELECT status, count(*)::int AS n FROM tasks GROUP BY status`;
            const by = Object.fromEntries(rows.map((r) => [r.status as string, r.n as number]));
            const terminal = rows.filter((r) => !['queued', 'running'].includes(r.status as string)).reduce((sum, r) => sum + (r.n as number), 0);
            ledger = `queued ${by.queued ?? 0}, running ${by.running ?? 0}, terminal ${terminal}`;
          }
        } catch {
          ledger = 'unreachable';
        }
        log(`  t=${since()}s acknowledged ${acked.length}/${o.tasks}, gave up ${gaveUp}; ledger: ${ledger}; workers ${procs.live('worker').length}`);
      })();
    }, 5000);

    submitStarted = Date.now();
    log(`submitting ${pacedTasks} tasks at about ${rate.toFixed(0)} tasks/s, then ${o.tasks - pacedTasks} at once when the API is about to be killed (half single with Idempotency-Key, half batched)`);
    let submissionsDone = false;
    let submitSeconds = 0;
    const submission = Promise.all(perAccount.map(accountLoop)).then(async () => {
      while (pending.length || batchesInFlight.size) await sleep(100);
      submissionsDone = true;
      submitSeconds = (Date.now() - submitStarted) / 1000;
      log(`  t=${since()}s submissions done: ${acked.length} acknowledged, ${gaveUp} given up, ${rejected.length} rejected`);
    });

    // --- faults, one after another (each one recovered before the next) ---------------------------------
    const faults: FaultRecord[] = [];
    const faultErrors: string[] = [];
    const fault = async (which: FaultName, name: string, action: () => Promise<string>) => {
      if (!o.faults.includes(which)) return;
      await sleep(o.faultGapMs);
      const atS = since();
      const started = Date.now();
      log(`>> t=${atS}s fault: ${name}`);
      let detail: string;
      try {
        detail = await action();
      } catch (err) {
        detail = `FAILED: ${err instanceof Error ? err.message : String(err)}`;
        faultErrors.push(`${name}: ${detail}`);
      }
      const recoveredInS = Math.round((Date.now() - started) / 100) / 10;
      faults.push({ name, atS, recoveredInS, detail });
      log(`<< t=${since()}s back from "${name}" in ${recoveredInS} s (${detail})`);
    };

    await fault('worker', 'SIGKILL a worker, start a replacement', async () => {
      const victim = procs.live('worker')[0]!;
      const running = await checker!`SELECT count(*)::int AS n FROM tasks WHERE status = 'running'`.catch(() => [{ n: '?' }]);
      await procs.stop(victim, 'SIGKILL');
      const replacement = startWorker();
      const polling = await workersReady();
      return `killed ${victim.name} pid ${victim.child.pid} with ${running[0]?.n} task(s) running in the ledger; ${replacement.name} started; polling: ${polling}`;
    });
    await fault('temporal', `restart the Temporal dev server (${o.temporalSignal}, same SQLite file and port)`, async () => {
      const old = temporal!;
      procs.holdRestarts = true;
      try {
        if (o.temporalSignal === 'SIGKILL') {
          process.kill(old.pid, 'SIGKILL');
          await old.exited;
        } else {
          await old.stop();
        }
        const downAt = Date.now();
        temporal = await startTemporal();
        return `pid ${old.pid} → ${temporal.pid}, down ${((Date.now() - downAt) / 1000).toFixed(1)} s`;
      } finally {
        procs.holdRestarts = false;
      }
    });
    if (!o.faults.includes('api')) openFlood();
    await fault('api', `restart the API (${o.apiSignal}) during the submission flood`, async () => {
      openFlood();
      await sleep(1500); // the flood is under way
      const api = procs.live('api')[0]!;
      const flooding = !submissionsDone;
      const before = acked.length;
      await procs.stop(api, o.apiSignal, 10_000);
      const next = procs.start(`api-${++apiNo}`, 'api/server.ts', env);
      await apiReady();
      return `${api.name} pid ${api.child.pid} → ${next.name} pid ${next.child.pid}; ` +
        (flooding ? `${before} acknowledged when it went down, ${acked.length} when it was back` : 'NOTE: submissions had already finished');
    });
    await fault('postgres', `stop Postgres for ${o.pgOutageMs / 1000} s`, async () => {
      const pid = await pg!.pid();
      pgDown = procs.holdRestarts = true;
      try {
        await pg!.stop('fast');
        await sleep(o.pgOutageMs);
        await pg!.start();
      } finally {
        pgDown = procs.holdRestarts = false;
      }
      return `postmaster pid ${pid} stopped (fast), started again as pid ${await pg!.pid()}${submissionsDone ? '; submissions had finished' : '; submissions in progress'}`;
    });
    openFlood();

    await submission;
    clearInterval(collector);

    // --- drain --------------------------------------------------------------------------------------------
    const drainStarted = Date.now();
    const drainTimeoutMs = Math.max(10_000, Math.min(o.drainTimeoutMs, runStarted + o.budgetMs - 25_000 - drainStarted));
    const ackedIds = acked.map((a) => a.taskId);
    log(`draining (up to ${(drainTimeoutMs / 1000).toFixed(0)} s)`);
    let drained = false;
    while (Date.now() - drainStarted < drainTimeoutMs) {
      try {
        const [row] = await checker`
          SELECT
            (SELECT count(*)::int FROM tasks WHERE status IN ('queued', 'running')) AS live,
            (SELECT count(*)::int FROM tasks WHERE task_id = ANY(${ackedIds}) AND status NOT IN ('queued', 'running')) AS done`;
        if (row && row.live === 0 && row.done === ackedIds.length) {
          drained = true;
          break;
        }
      } catch {
        // retry
      }
      await sleep(1000);
    }
    const drainSeconds = drained ? (Date.now() - drainStarted) / 1000 : null;
    clearInterval(progress);
    log(drained ? `drained in ${drainSeconds!.toFixed(1)} s` : `NOT drained after ${(drainTimeoutMs / 1000).toFixed(0)} s`);

    // Why not? The pending activities of a few accounts that still have live tasks.
    const stuck: string[] = [];
    if (!drained) {
      try {
        const accounts = (await checker`SELECT DISTINCT account_id FROM tasks WHERE status IN ('queued', 'running') LIMIT 3`).map((r) => r.account_id as string);
        const connection = await Connection.connect({ address: temporalAddress });
        try {
          for (const accountId of accounts) {
            const d = await connection.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: `account:${accountId}` } });
            const acts = (d.pendingActivities ?? []).map((a) =>
              `${a.activityType?.name} attempt ${a.attempt} state ${a.state} last started ${tsIso(a.lastStartedTime)} last heartbeat ${tsIso(a.lastHeartbeatTime)}` +
                (a.lastFailure?.message ? ` last failure: ${a.lastFailure.message.slice(0, 200)}` : ''));
            const wft = d.pendingWorkflowTask ? ` pending workflow task attempt ${d.pendingWorkflowTask.attempt} state ${d.pendingWorkflowTask.state}` : '';
            stuck.push(`account:${accountId}: ${acts.length ? acts.join('; ') : 'no pending activity'}${wft}`);
          }
        } finally {
          await connection.close();
        }
      } catch (err) {
        stuck.push(`(could not describe the stuck accounts: ${String(err)})`);
      }
      for (const line of stuck) log(`  stuck ${line}`);
    }

    // Everything still running? (A worker that died on its own was restarted and is reported.)
    const liveWorkers = procs.live('worker').length;
    const liveApi = procs.live('api').length;

    // --- the verdict ----------------------------------------------------------------------------------------
    const taskRows = await checker`SELECT task_id, account_id, status, error FROM tasks`;
    const tasks: TaskRow[] = taskRows.map((r) => ({ taskId: r.task_id as string, accountId: r.account_id as string, status: r.status as string }));
    const errorOf = new Map(taskRows.map((r) => [r.task_id as string, r.error ? JSON.stringify(r.error).slice(0, 200) : null]));
    const events: TaskEvent[] = (await checker`SELECT id, task_id, account_id, type, at, data FROM task_events ORDER BY id`).map((r) => ({
      id: Number(r.id), taskId: r.task_id as string, accountId: r.account_id as string, type: r.type as string, at: r.at as Date, data: r.data,
    }));
    const [{ present }] = (await checker`SELECT to_regclass('interaction_events') IS NOT NULL AS present`) as unknown as [{ present: boolean }];
    const interactions: InteractionEvent[] | null = present
      ? (await checker`SELECT account_id, target, action, status, task_id FROM interaction_events ORDER BY id`).map((r) => ({
          accountId: r.account_id as string, target: r.target as string, action: r.action as string, status: r.status as string, taskId: r.task_id as string | null,
        }))
      : null;
    const verdict = judge({ acked, tasks, events, interactions });

    const status = new Map(tasks.map((t) => [t.taskId, t.status]));
    const ackedSet = new Set(ackedIds);
    const startedRuns = new Map<string, number>();
    for (const e of events) if (e.type === 'started') startedRuns.set(e.taskId, (startedRuns.get(e.taskId) ?? 0) + 1);
    const unexpectedOutcomes: FaultRunReport['unexpectedOutcomes'] = [];
    for (const list of perAccount) {
      let firstEngage = true;
      for (const t of list) {
        const s = status.get(t.taskId);
        const expected = expectedStatus(t, firstEngage);
        if (t.kind === 'engage' && s) firstEngage = false;
        if (!s || !ackedSet.has(t.taskId) || s === expected || ['queued', 'running'].includes(s)) continue;
        // `failTimes: 1` fails the first run only: a first run killed by a fault used it up.
        if (['error', 'unavailable'].includes(t.kind) && s === 'succeeded' && (startedRuns.get(t.taskId) ?? 0) > 1) continue;
        unexpectedOutcomes.push({ taskId: t.taskId, kind: t.kind, expected, status: s, error: errorOf.get(t.taskId) ?? null });
      }
    }

    // Liveness: the longest time no task finished although tasks were waiting, and what the workflow of
    // one account that had a task queued across that gap did meanwhile (its history events by type).
    let stall: FaultRunReport['stall'] = null;
    const terminalTimes = events.filter((e) => ['succeeded', 'failed', 'skipped', 'cancelled', 'requeued'].includes(e.type)).map((e) => e.at.getTime()).sort((x, y) => x - y);
    for (let i = 1; i < terminalTimes.length; i++) {
      const gap = terminalTimes[i]! - terminalTimes[i - 1]!;
      if (!stall || gap > stall.seconds * 1000) stall = { seconds: gap / 1000, fromS: (terminalTimes[i - 1]! - submitStarted) / 1000, account: '', history: '' };
    }
    if (stall && stall.seconds > 5) {
      const from = submitStarted + stall.fromS * 1000;
      const to = from + stall.seconds * 1000;
      const queuedAt = new Map<string, number>();
      const firstStartAt = new Map<string, number>();
      for (const e of events) {
        if (e.type === 'queued' && !queuedAt.has(e.taskId)) queuedAt.set(e.taskId, e.at.getTime());
        if (e.type === 'started' && !firstStartAt.has(e.taskId)) firstStartAt.set(e.taskId, e.at.getTime());
      }
      const waiting = events.find((e) => e.type === 'queued' && queuedAt.get(e.taskId)! < from && (firstStartAt.get(e.taskId) ?? Infinity) > to);
      if (waiting) {
        stall.account = waiting.accountId;
        try {
          const connection = await Connection.connect({ address: temporalAddress });
          try {
            stall.history = await historyInWindow(connection, `account:${waiting.accountId}`, from, to);
          } finally {
            await connection.close();
          }
        } catch (err) {
          stall.history = `(history not read: ${String(err)})`;
        }
      }
    }

    const failures: string[] = [];
    if (verdict.lost) failures.push(`${verdict.lost} acknowledged task(s) lost (${verdict.missing.length} without a row, ${verdict.notTerminal.length} not terminal)`);
    if (verdict.duplicates.length) failures.push(`${verdict.duplicates.length} task(s) with more than one terminal event`);
    if (verdict.overlaps.length || verdict.ledgerOrderOverlaps.length) {
      failures.push(`${verdict.overlaps.length} overlapping run(s) by time, ${verdict.ledgerOrderOverlaps.length} in ledger order`);
    }
    if (verdict.fifoViolations.length) failures.push(`${verdict.fifoViolations.length} FIFO violation(s)`);
    if (verdict.duplicateInteractionSuccesses.length) failures.push(`${verdict.duplicateInteractionSuccesses.length} (account, target, action) key(s) with more than one success`);
    if (verdict.statusMismatches.length) failures.push(`${verdict.statusMismatches.length} terminal status(es) without the matching terminal event`);
    if (!drained) failures.push(`the ledger did not drain within ${(drainTimeoutMs / 1000).toFixed(0)} s`);
    for (const e of faultErrors) failures.push(`fault not injected or not recovered from: ${e}`);
    // Otherwise an API that refused everything would keep every invariant.
    if (acked.length < planned.size * 0.9) failures.push(`only ${acked.length} of ${planned.size} tasks were acknowledged`);
    if (procs.unexpectedExits.length && !o.tolerateExits) {
      failures.push(`${procs.unexpectedExits.length} Baton process(es) died on their own: ${procs.unexpectedExits.map((e) => `${e.name} at t=${e.atS}s (${firstErrorLine(e.tail)})`).join('; ')}`);
    }

    const s1 = (n: number) => n.toFixed(1);
    const rows: [string, string][] = [
      ['tasks submitted', attempted.size === planned.size ? String(planned.size) : `${attempted.size} of ${planned.size} planned`],
      ['acknowledged (2xx)', String(acked.length)],
      ['not acknowledged (given up / rejected)', `${gaveUp} / ${rejected.length}`],
      ['faults injected', String(faults.length)],
      ...faults.map((f, i): [string, string] => [`  ${i + 1}. ${f.name}`, `t=${s1(f.atS)} s, back in ${s1(f.recoveredInS)} s`]),
      ['lost', verdict.lost ? `${verdict.lost} (${verdict.missing.length} never in the ledger, ${verdict.notTerminal.length} still queued/running at the end)` : '0'],
      ['duplicates (> 1 terminal event)', String(verdict.duplicates.length)],
      ['terminal status without its event', String(verdict.statusMismatches.length)],
      ['overlaps (by time / in ledger order)', `${verdict.overlaps.length} / ${verdict.ledgerOrderOverlaps.length}`],
      ['FIFO violations', `${verdict.fifoViolations.length} (of ${verdict.fifoPairsChecked} consecutive pairs)`],
      ['duplicate interaction successes', interactions === null ? 'n/a (no interaction_events table)' : `${verdict.duplicateInteractionSuccesses.length} (${interactions.length} interaction events)`],
      ['time to drain', drainSeconds === null ? `not drained in ${(drainTimeoutMs / 1000).toFixed(0)} s` : `${s1(drainSeconds)} s`],
      ['rows still queued/running', String(verdict.liveRows)],
      ['runs (started events) / open runs', `${verdict.runs} / ${verdict.openRuns.length}`],
      ['terminal statuses of acknowledged', Object.entries(verdict.statusCounts).map(([k, v]) => `${k} ${v}`).join(', ')],
      ['unexpected outcomes (information)', String(unexpectedOutcomes.length)],
      ['skipped as dedupe_hit of their own success', interactions === null ? 'n/a' : String(verdict.skippedAfterOwnSuccess.length)],
      ['longest time no task finished', stall ? `${s1(stall.seconds)} s from t=${s1(stall.fromS)} s` : '-'],
      ['tasks in ledger never acknowledged', String(verdict.unacknowledgedInLedger)],
      ['HTTP answers', Object.entries(http).sort().map(([k, v]) => `${k}:${v}`).join(' ')],
      ['lines in process output', Object.entries(procs.signatures).map(([k, v]) => `${k}: ${v}`).join(', ')],
      ['processes that died on their own', procs.unexpectedExits.length ? procs.unexpectedExits.map((e) => `${e.name} t=${e.atS}s`).join(', ') : '0'],
      ['processes at the end', `${liveWorkers} worker(s), ${liveApi} API`],
      ['submission time', `${s1(submitSeconds)} s`],
      ['total run time', `${s1((Date.now() - runStarted) / 1000)} s`],
    ];
    const report: FaultRunReport = {
      options: { ...o, log: undefined } as Omit<FaultRunOptions, 'log'>,
      submitted: attempted.size,
      acknowledged: acked.length,
      gaveUp,
      rejected,
      faults,
      unexpectedExits: procs.unexpectedExits,
      http,
      submitSeconds,
      drainSeconds,
      drained,
      verdict,
      unexpectedOutcomes,
      stall,
      stuck,
      signatures: procs.signatures,
      totalSeconds: (Date.now() - runStarted) / 1000,
      failures,
      table: table(rows, `Baton fault run ${runId} (seed ${o.seed}): ${failures.length ? 'FAIL' : 'PASS'}`),
    };
    log(report.table);
    if (stall?.account) log(`during the longest time no task finished, account ${stall.account} had a task queued; its workflow meanwhile: ${stall.history}`);
    if (failures.length) {
      log(`failures:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
      log(details(report));
      for (const m of procs.all) log(`--- last output of ${m.name} (pid ${m.child.pid}) ---\n${m.child.output().slice(-2500)}`);
    } else if (unexpectedOutcomes.length || procs.unexpectedExits.length) {
      log(details(report));
    }
    return report;
  } finally {
    await procs.stopAll().catch((err) => log(`stopping processes: ${String(err)}`));
    await temporal?.stop().catch((err) => log(`stopping Temporal: ${String(err)}`));
    await checker?.end({ timeout: 2 }).catch(() => {});
    await pg?.destroy().catch((err) => log(`stopping Postgres: ${String(err)}`));
    if (!o.keepDir) await rm(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

/** The events of a workflow's history (current run and those before it) within [from, to], counted by type. */
async function historyInWindow(connection: Connection, workflowId: string, from: number, to: number): Promise<string> {
  const types = proto.temporal.api.enums.v1.EventType;
  const counts = new Map<string, number>();
  let runId: string | undefined;
  // Walk back through continue-as-new runs until the window is covered (a few runs at most).
  for (let runs = 0; runs < 5; runs++) {
    const events: proto.temporal.api.history.v1.IHistoryEvent[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await connection.workflowService.getWorkflowExecutionHistory({
        namespace: 'default', execution: { workflowId, ...(runId ? { runId } : {}) }, ...(nextPageToken ? { nextPageToken } : {}),
      });
      events.push(...(page.history?.events ?? []));
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken && events.length < 20_000);
    const at = (e: proto.temporal.api.history.v1.IHistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    for (const e of events) {
      const t = at(e);
      if (t < from || t > to) continue;
      const name = String(types[e.eventType ?? 0]).replace(/^EVENT_TYPE_/, '').toLowerCase();
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const first = events[0];
    const previous = first?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!first || at(first) <= from || !previous) break;
    runId = previous;
  }
  if (!counts.size) return 'no events in that window';
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ×${v}`).join(', ');
}

/** A protobuf timestamp as ISO-8601 (or '-'). */
function tsIso(t: { seconds?: unknown; nanos?: number | null } | null | undefined): string {
  if (!t || t.seconds === undefined || t.seconds === null) return '-';
  return new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

/** The line of a process's last output that says why it died (an Error, a fatal log line), else its last line. */
function firstErrorLine(tail: string): string {
  const lines = tail.split('\n').map((l) => l.trim()).filter(Boolean);
  const why = lines.find((l) => /^(\w*Error|Uncaught|FATAL)\b|"level":60/.test(l)) ?? lines.at(-1) ?? 'no output';
  return why.slice(0, 200);
}

/** The evidence behind non-zero figures, a few examples of each. */
export function details(r: FaultRunReport): string {
  const v = r.verdict;
  const out: string[] = [];
  const few = <T>(list: T[]) => list.slice(0, 5);
  const iso = (ms: number | null) => (ms === null ? 'open' : new Date(ms).toISOString());
  if (v.missing.length) out.push(`acknowledged without a row: ${few(v.missing).join(', ')}`);
  if (v.notTerminal.length) out.push(`acknowledged, not terminal: ${few(v.notTerminal).map((t) => `${t.taskId} (${t.status})`).join(', ')}`);
  for (const d of few(v.duplicates)) out.push(`duplicate terminal events: ${d.taskId}: ${d.terminalEvents.join(', ')}`);
  for (const o of few([...v.overlaps, ...v.ledgerOrderOverlaps])) {
    out.push(
      `overlap in ${o.accountId}: ${o.first.taskId} (activity attempt ${o.first.activityAttempt}, ${iso(o.first.start)} → ${iso(o.first.end)},` +
        ` ended by ${o.first.endedBy} ${JSON.stringify(o.first.endData)}, events ${o.first.startId}..${o.first.endId})` +
        ` and ${o.second.taskId} (activity attempt ${o.second.activityAttempt}, ${iso(o.second.start)} → ${iso(o.second.end)},` +
        ` ended by ${o.second.endedBy}, events ${o.second.startId}..${o.second.endId})`,
    );
  }
  for (const f of few(v.fifoViolations)) out.push(`FIFO in ${f.accountId}: ${f.later} (acknowledged later) started its final run before ${f.earlier}`);
  for (const d of few(v.duplicateInteractionSuccesses)) out.push(`${d.successes} successes for ${d.key} (tasks ${d.taskIds.join(', ')})`);
  for (const s of few(v.statusMismatches)) out.push(`status/event mismatch: ${s.taskId} is ${s.status}, terminal event ${s.terminalEvent}`);
  for (const x of few(v.skippedAfterOwnSuccess)) out.push(`skipped after its own interaction success: ${x.taskId}: interaction events ${x.events.join(' → ')}`);
  for (const u of few(r.unexpectedOutcomes)) out.push(`outcome: ${u.taskId} (${u.kind}) ended ${u.status}, expected ${u.expected}${u.error ? `: ${u.error}` : ''}`);
  for (const x of r.rejected.slice(0, 5)) out.push(`rejected: ${x.taskId}: ${x.status} ${x.body}`);
  for (const line of r.stuck) out.push(`stuck ${line}`);
  for (const e of r.unexpectedExits) out.push(`died on its own: ${e.name} pid ${e.pid} at t=${e.atS}s (code ${e.code}, signal ${e.signal}): ${firstErrorLine(e.tail)}`);
  return out.length ? `evidence:\n${out.map((l) => `  ${l}`).join('\n')}` : '';
}
