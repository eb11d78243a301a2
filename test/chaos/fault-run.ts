/**
 * The fault run: Baton as separate processes (Temporal dev server on its own SQLite file, worker/main.ts ×N,
 * api/server.ts, a private PostgreSQL cluster), thousands of tasks over hundreds of accounts submitted
 * over real HTTP, and mid-run, one after another, each recovered from before the next:
 *   1. flood: one account of its own gets CHAOS_FLOOD_TASKS (1,000) tasks as fast as the client sends them,
 *      singles (Idempotency-Key) and batches of 2-40 (Idempotency-Key, ids derived from it) mixed, 32
 *      requests in flight: all must run, once each, in acknowledgement order (they run through the faults
 *      below);
 *   2. temporal-stop: the Temporal dev server stopped for 20 s while submissions go on: every request sent
 *      meanwhile must get its 2xx (202 means committed in Postgres), and every task runs afterwards;
 *   3. worker: a worker SIGKILLed and a replacement started;
 *   4. temporal: the Temporal dev server restarted on its SQLite file and port;
 *   4b. temporal-kill (CHAOS_SERVER=cluster only, by default): the real Temporal server SIGKILLed in the middle of
 *      its work and started again on the same databases and ports; back means tasks finish again;
 *   5. relay: a second API process (relay-api, started with the stack, FAULT_RELAY_KILL_AFTER_SIGNALS=1, no
 *      relay polling) gets batches of an account of its own until its relay SIGKILLs the process between a
 *      signal and its mark; the first API keeps serving (and answers the retries). The signal is read back
 *      from the workflow histories (the dead process's client identity): each of its tasks must be
 *      delivered again by another relay (a second signal) or have run before one came back to it (never
 *      marked), and run to one terminal status;
 *   6. api: the API killed (SIGKILL) right after the last fifth of the tasks is released at once (the
 *      flood of all accounts), and started again on the same port;
 *   7. postgres: Postgres stopped for a few seconds and started again (CHAOS_LONG_PG_OUTAGE=1: 60 s, issue
 *      12's long outage; it adds about a minute, so it is not the default).
 * CHAOS_SERVER=cluster (`npm run test:chaos -- --server=cluster`): the same run against the real Temporal
 * server on PostgreSQL (scripts/temporal-server-lib.ts; two databases of the run's own on the machine's
 * PostgreSQL server, dropped at the end) instead of the dev server, with two API processes behind a
 * client-side balancer (round robin, a refused connection takes an API out for a second) and three
 * workers (CHAOS_APIS, CHAOS_WORKERS); the api fault kills one API while the other serves, then starts it
 * again.
 * Clients submit each account's tasks one at a time (the next after the previous got its 2xx): half as
 * single requests retried with the same Idempotency-Key, half in batch requests carrying their own task
 * ids, retried with the same ids. Every 503, 5xx, 429 and network error is retried, with the same key or
 * ids, until the task is acknowledged (or CHAOS_GIVE_UP_S passes: then the run fails). A task counts as
 * acknowledged only once it got a 2xx; the client keeps when it first sent each task and when its 2xx came.
 * Then, with everything running and a bounded time to drain, the ledger is judged (./ledger-checks.ts) and
 * the figures are printed as a table.
 *
 * Task mix per account (seeded, CHAOS_SEED replays it): `sleep` 0-30 ms (80 %), `simulate` ok, transient
 * (retried by Temporal), rate_limited (back to the head of the queue), error, unavailable; and in one
 * account in five, three `simulate` tasks engaging the same (target, action): one success, then dedupe hits.
 * The flood account: `sleep` 0-3 ms, some `simulate` ok and error.
 *
 * Every process binds to 127.0.0.1 on a free port and lives in a temporary directory; everything is
 * stopped by pid at the end, also on failure. Knobs (environment, all optional): CHAOS_TASKS (2000),
 * CHAOS_ACCOUNTS (200), CHAOS_WORKERS (2), CHAOS_SUBMIT_SECONDS (60: the first four fifths are paced over
 * this long), CHAOS_FLOOD_TASKS (1000), CHAOS_SEED, CHAOS_PG_OUTAGE_MS (5000; 60000 with
 * CHAOS_LONG_PG_OUTAGE=1), CHAOS_TEMPORAL_STOP_S (20), CHAOS_API_SIGNAL (SIGKILL|SIGTERM),
 * CHAOS_TEMPORAL_SIGNAL (SIGTERM|SIGKILL), CHAOS_FAULT_GAP_MS (6000), CHAOS_DRAIN_TIMEOUT_S (150, cluster 240),
 * CHAOS_GIVE_UP_S (120), CHAOS_BUDGET_S (450, cluster 660: the run ends within it, vitest allows 60 s more), CHAOS_KEEP_DIR=1 (keep the temporary directory), CHAOS_TOLERATE_EXITS=1 (a Baton
 * process that dies on its own is reported but does not fail the run), CHAOS_FAULTS (all; none; or a
 * list of flood,temporal-stop,worker,temporal,relay,api,postgres to bisect).
 *
 * The run fails when an acknowledged task is lost, a task has more than one terminal event (or a terminal
 * status without its event), two runs of one account overlap, FIFO by acknowledgement breaks within an
 * account, an interaction succeeds twice inside its window, a task ends with another status than its
 * payload asks for (a wrong outcome), the ledger does not drain in time, a fault cannot be injected or
 * recovered from (or does not show what it is for: a request during the Temporal stop without its 2xx, the
 * killed relay's signal not found or a task of it neither delivered again nor run), a single submission is
 * never acknowledged, or a Baton process dies on its own (a fault must be survived, not crash the
 * survivors; such a process is restarted so that the rest can still be judged).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import pg from 'pg';
import { idempotentTaskId } from '../../api/intake/submission';
import { openDatabase } from '../../db/client';
import { migrateDatabase } from '../../db/migrate';
import { findOrBuildTemporalCli, freePort, startDevServer, type DevServer } from '../../scripts/temporal-cli';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres';
import { startTs, type Child } from '../helpers/processes';
import { startTestTemporalServer, type TestTemporalServer } from '../helpers/temporal-server';
import { eventually } from '../helpers/wait';
import {
  buildRuns,
  findFifoViolations,
  judge,
  TERMINAL,
  type AckedTask,
  type InteractionEvent,
  type TaskEvent,
  type TaskRow,
  type Verdict,
} from './ledger-checks';

export interface FaultRunOptions {
  /**
   * `dev`: the CLI's dev server on its SQLite file. `cluster`: the real Temporal server on PostgreSQL
   * (scripts/temporal-server-lib.ts, two databases of the run's own on the machine's PostgreSQL server),
   * which adds the temporal-kill fault.
   */
  server: 'dev' | 'cluster';
  /** API processes serving the clients, which spread their requests over them (the relay fault's is extra). */
  apis: number;
  tasks: number;
  accounts: number;
  workers: number;
  /** The first four fifths of each account's tasks are paced over about this long; the last fifth is the flood. */
  submitSeconds: number;
  /** Tasks of the one-account flood. */
  floodTasks: number;
  seed: number;
  pgOutageMs: number;
  /** How long the Temporal dev server stays stopped (temporal-stop). */
  temporalStopMs: number;
  apiSignal: 'SIGKILL' | 'SIGTERM';
  temporalSignal: 'SIGTERM' | 'SIGKILL';
  /** Pause before the first fault and between faults (after the previous one recovered). */
  faultGapMs: number;
  drainTimeoutMs: number;
  /** A client stops retrying a task after this long (the task is then not acknowledged, and the run fails). */
  giveUpMs: number;
  /** The whole run's budget: submissions stop and the drain is cut short so that it ends within it. */
  budgetMs: number;
  keepDir: boolean;
  /** Report a process that died on its own without failing the run (it is restarted either way). */
  tolerateExits: boolean;
  /** Which faults to inject (all by default; fewer to bisect a failure, none for a baseline). */
  faults: FaultName[];
  log: (line: string) => void;
}

/** The dev server or the real server: what the faults need of either. */
type TemporalProcess = Pick<DevServer, 'pid' | 'address' | 'stop' | 'exited' | 'stderrTail'>;

/** In the order they are injected. */
export const FAULTS = ['flood', 'temporal-stop', 'worker', 'temporal', 'temporal-kill', 'relay', 'api', 'postgres'] as const;
export type FaultName = (typeof FAULTS)[number];
/** The faults of a run unless CHAOS_FAULTS says otherwise: temporal-kill only against the real server. */
export const defaultFaults = (server: FaultRunOptions['server']): FaultName[] => FAULTS.filter((f) => server === 'cluster' || f !== 'temporal-kill');

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
  const server = oneOf('CHAOS_SERVER', ['dev', 'cluster'], 'dev');
  return {
    server,
    // Against the real server, the production shape: two API processes and three workers.
    apis: Math.max(1, num('CHAOS_APIS', server === 'cluster' ? 2 : 1)),
    tasks: num('CHAOS_TASKS', 2000),
    accounts: num('CHAOS_ACCOUNTS', 200),
    workers: Math.max(2, num('CHAOS_WORKERS', server === 'cluster' ? 3 : 2)),
    submitSeconds: num('CHAOS_SUBMIT_SECONDS', 60),
    floodTasks: Math.max(2, num('CHAOS_FLOOD_TASKS', 1000)),
    seed: num('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31)),
    pgOutageMs: num('CHAOS_PG_OUTAGE_MS', env.CHAOS_LONG_PG_OUTAGE === '1' ? 60_000 : 5000),
    temporalStopMs: num('CHAOS_TEMPORAL_STOP_S', 20) * 1000,
    apiSignal: oneOf('CHAOS_API_SIGNAL', ['SIGKILL', 'SIGTERM'], 'SIGKILL'),
    temporalSignal: oneOf('CHAOS_TEMPORAL_SIGNAL', ['SIGTERM', 'SIGKILL'], 'SIGTERM'),
    faultGapMs: num('CHAOS_FAULT_GAP_MS', 6000),
    // The real server's run has more processes (three workers, two APIs, the server) on the same cores and
    // one more fault: more time to drain and in all.
    drainTimeoutMs: num('CHAOS_DRAIN_TIMEOUT_S', server === 'cluster' ? 240 : 150) * 1000,
    giveUpMs: num('CHAOS_GIVE_UP_S', 120) * 1000,
    budgetMs: num('CHAOS_BUDGET_S', server === 'cluster' ? 660 : 450) * 1000,
    keepDir: env.CHAOS_KEEP_DIR === '1',
    tolerateExits: env.CHAOS_TOLERATE_EXITS === '1',
    faults: faultList(env.CHAOS_FAULTS, server),
    // Straight to stderr: vitest would head every console line with the test's name.
    log: (line) => void process.stderr.write(`${line}\n`),
  };
}

function faultList(v: string | undefined, server: FaultRunOptions['server']): FaultName[] {
  if (v === undefined || v === '' || v === 'all') return defaultFaults(server);
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

/** What the temporal-stop fault saw: every request sent while the dev server was down, and its answer. */
export interface TemporalStopEvidence {
  seconds: number;
  requests: number;
  /** Answers by status (or network error kind) of the requests sent while it was down. */
  answers: Record<string, number>;
  /** Tasks whose 2xx came while it was down. */
  tasksAcknowledged: number;
  /** Of those, how many reached a terminal status by the end. */
  tasksTerminal: number;
}

/** The signal of the relay that was killed between signal and mark, read back from the workflow histories. */
export interface RelayEvidence {
  pid: number;
  /** Delivery signals sent by the killed process (its client identity in the history). */
  signals: number;
  accountId: string | null;
  /** Tasks its last signal carried (that signal was never marked). */
  taskIds: string[];
  /** Of those, delivered again by another relay (a second `deliver` signal carrying the id). */
  deliveredAgain: number;
  /** Of those, started before any relay came back to them: they ran, and stay unmarked. */
  ranBeforeRedelivery: number;
  /** Tasks of the signal neither delivered again nor run, or with other than one terminal event. */
  wrong: string[];
  /** The most `started` events one of its tasks has (1 unless a fault killed that run). */
  maxStarts: number;
  /** Tasks (any account) carried by more than one delivery signal over the whole run. */
  deliveredMoreThanOnce: number;
  accountsRead: number;
  /** Histories that could not be read, with why. */
  unread: string[];
  readSeconds: number;
}

export interface FloodEvidence {
  accountId: string;
  tasks: number;
  requests: { single: number; batch: number };
  /** From the first request to the last task's 2xx. */
  ackSeconds: number;
  /** From the first `started` of the account to its last terminal event. */
  runSeconds: number | null;
  fifoPairsChecked: number;
  fifoViolations: number;
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
  /** Acknowledged tasks whose terminal status is not the one their payload asks for (each one fails the run). */
  unexpectedOutcomes: { taskId: string; accountId: string; kind: string; expected: string; status: string; attempts: number; error: string | null; events: string }[];
  temporalStop: TemporalStopEvidence | null;
  relay: RelayEvidence | null;
  flood: FloodEvidence | null;
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

/**
 * The one-account flood: chunks sent all at once, each a single request (its own Idempotency-Key) or a batch
 * of 2-40 items under one Idempotency-Key (the API derives each item's id from the key and its index, so a
 * retried batch names the same tasks). Its own generator: the main plan stays the same for a seed.
 */
function planFlood(o: FaultRunOptions, runId: string): { accountId: string; chunks: { key: string; tasks: PlannedTask[] }[] } {
  const random = rng(o.seed ^ 0x5f10d);
  const accountId = `chaos-${runId}-flood`;
  const chunks: { key: string; tasks: PlannedTask[] }[] = [];
  let index = 0;
  while (index < o.floodTasks) {
    const key = `${runId}-flood-${chunks.length}`;
    const single = random() < 0.5;
    const size = single ? 1 : Math.min(o.floodTasks - index, 2 + Math.floor(random() * 39));
    const tasks: PlannedTask[] = [];
    for (let k = 0; k < size; k++) {
      const r = random();
      const kind: Kind = r < 0.93 ? 'sleep' : r < 0.97 ? 'ok' : 'error';
      const ms = Math.floor(random() * 4);
      const body = kind === 'sleep' ? { type: 'sleep', payload: { ms } } : { type: 'simulate', payload: kind === 'ok' ? { ms } : { ms, outcome: 'error', failTimes: 1 } };
      tasks.push({
        taskId: idempotentTaskId(accountId, single ? key : `${key}\n#${k}`),
        accountId, index: index++, kind, channel: single ? 'single' : 'batch', idempotencyKey: key, body,
      });
    }
    chunks.push({ key, tasks });
  }
  return { accountId, chunks };
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

/** Runs `fn` over `items`, `lanes` at a time. */
async function inLanes<T>(items: T[], lanes: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
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

  /** `expectExit`: the process is meant to end itself (a fault hook); its exit is neither reported nor restarted. */
  start(name: string, entry: string, env: Record<string, string>, expectExit = false): Managed {
    const m: Managed = { name, entry, env, child: startTs(entry, env), expectedExit: expectExit };
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

/** Settles when the process exits: its exit code and signal. */
function exitOf(m: Managed): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const p = m.child.proc;
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve({ code: p.exitCode, signal: p.signalCode });
  return new Promise((resolve) => p.once('exit', (code, signal) => resolve({ code, signal })));
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
  const serverName = o.server === 'cluster' ? 'Temporal server' : 'Temporal dev server';
  log(`fault run ${runId} on the ${serverName}: ${o.tasks} tasks over ${o.accounts} accounts${o.faults.includes('flood') ? ` + ${o.floodTasks} to one account` : ''}, ${o.apis} API process(es), ${o.workers} workers, seed ${o.seed}, faults ${o.faults.join(',') || 'none'}, dir ${dir}`);

  const procs = new ProcessSet(since, log);
  let cluster: PrivatePostgres | undefined;
  let temporal: TemporalProcess | undefined;
  let realServer: TestTemporalServer | undefined;
  let checker: pg.Pool | undefined;
  try {
    // --- the stack ---------------------------------------------------------------------------------------
    const [pgPort, temporalPort] = [await freePort(), await freePort()];
    const apiPorts: number[] = [];
    for (let i = 0; i < o.apis; i++) apiPorts.push(await freePort());
    cluster = await startPrivatePostgres(pgPort, log);
    const migration = await openDatabase({ url: cluster.url, dataDir: join(dir, 'migrate') });
    await migrateDatabase(migration);
    await migration.close();
    // node-postgres, as everywhere (DESIGN.md): the pool survives the outages; an idle client that loses
    // its server reports it here instead of ending the process.
    checker = new pg.Pool({ connectionString: cluster.url, max: 2, connectionTimeoutMillis: 5000, idleTimeoutMillis: 10_000 });
    checker.on('error', () => {});
    const pool = checker;
    const q = async <R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> => (await pool.query(text, params)).rows as R[];

    const cli = o.server === 'dev' ? await findOrBuildTemporalCli(log) : '';
    const dbFile = join(dir, 'temporal.sqlite');
    let temporalAddress = `127.0.0.1:${temporalPort}`;
    /** Starts the server (again: on the same state and ports). */
    const startTemporal = async (): Promise<TemporalProcess> => {
      if (o.server === 'cluster') {
        // Its own two databases on the machine's PostgreSQL server (not the run's private cluster, which
        // the postgres fault stops: Temporal's store and Baton's are separate servers in production too).
        if (!realServer) {
          realServer = await startTestTemporalServer({ prefix: `baton_chaos_${runId}`, log });
          temporalAddress = realServer.address;
        } else {
          await realServer.start();
        }
        const server = realServer.server;
        log(`  Temporal server on ${server.address} (pid ${server.pid}; databases ${realServer.databases.name}, ${realServer.databases.visibilityName})`);
        return server;
      }
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
      DATABASE_URL: cluster.url,
      BATON_DATA_DIR: join(dir, 'data'),
      DEMO_HANDLERS: '1',
      LOG_LEVEL: 'warn',
      API_KEYS: '',
      API_RATE_LIMIT_RPS: '0',
      HOST: '127.0.0.1',
      PORT: String(apiPorts[0]),
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
    const apiBases = apiPorts.map((p) => `http://127.0.0.1:${p}`);
    /**
     * The clients' load balancer: round robin over the API processes, skipping for a second one that just
     * refused a connection (killed, or restarting), as a balancer's health check would.
     */
    const downUntil = new Map<string, number>();
    let nextApi = 0;
    const pickBase = () => {
      for (let k = 0; k < apiBases.length; k++) {
        const at = apiBases[nextApi++ % apiBases.length]!;
        if ((downUntil.get(at) ?? 0) <= Date.now()) return at;
      }
      return apiBases[nextApi++ % apiBases.length]!;
    };

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
    const apiReady = (at: string, timeoutMs = 90_000) =>
      eventually(async () => (await fetch(`${at}/health/live`, { signal: AbortSignal.timeout(2000) })).ok, {
        timeoutMs, intervalMs: 250, what: `the API at ${at} answering /health/live`,
      });

    let workerNo = 0;
    const startWorker = () => procs.start(`worker-${++workerNo}`, 'worker/main.ts', env);
    for (let i = 0; i < o.workers; i++) startWorker();
    let apiNo = 0;
    for (const port of apiPorts) procs.start(`api-${++apiNo}`, 'api/server.ts', { ...env, PORT: String(port) });
    // The relay fault's API process, started now so that it is up when its turn comes. Its relay delivers
    // only what it is kicked for (its own commits; no polling), and SIGKILLs the process after its first
    // signal, before the mark. Its end is the fault, not a process dying on its own.
    const relayPort = await freePort();
    const relayBase = `http://127.0.0.1:${relayPort}`;
    const relayApi = o.faults.includes('relay')
      ? procs.start('relay-api', 'api/server.ts', { ...env, PORT: String(relayPort), FAULT_RELAY_KILL_AFTER_SIGNALS: '1', RELAY_POLL_MS: '3600000' }, true)
      : null;
    await Promise.all([workersReady(), ...apiBases.map((at) => apiReady(at)), relayApi ? apiReady(relayBase) : null]);
    log(`stack up in ${((Date.now() - runStarted) / 1000).toFixed(1)} s`);

    // --- submissions -------------------------------------------------------------------------------------
    const perAccount = plan(o, runId);
    const flood = o.faults.includes('flood') ? planFlood(o, runId) : null;
    const floodTasks = flood ? flood.chunks.flatMap((c) => c.tasks) : [];
    const planned = new Map([...perAccount.flat(), ...floodTasks].map((t) => [t.taskId, t]));
    /** The relay fault's tasks: batches of 10 to an account of their own, planned as they are sent. */
    const relayTasks: PlannedTask[] = [];
    const relayChunk = (k: number) => {
      const accountId = `chaos-${runId}-relay`;
      const key = `${runId}-relay-${k}`;
      const tasks = Array.from({ length: 10 }, (_, i): PlannedTask => ({
        taskId: idempotentTaskId(accountId, `${key}\n#${i}`), accountId, index: relayTasks.length + i, kind: 'sleep',
        channel: 'batch', idempotencyKey: key, body: { type: 'sleep', payload: { ms: 5 * i } },
      }));
      relayTasks.push(...tasks);
      for (const t of tasks) planned.set(t.taskId, t);
      return { key, tasks };
    };
    const acked: AckedTask[] = [];
    let ackSeq = 0;
    let gaveUp = 0;
    const rejected: FaultRunReport['rejected'] = [];
    const http: Record<string, number> = {};
    const count = (k: string) => (http[k] = (http[k] ?? 0) + 1);
    /** When the client first sent each task (before the request left), for FIFO by acknowledgement. */
    const firstSent = new Map<string, number>();
    const ack = (t: PlannedTask, ackedAt = Date.now(), batch?: AckedTask['batch']) => {
      acked.push({ taskId: t.taskId, accountId: t.accountId, ackSeq: ackSeq++, sentAt: firstSent.get(t.taskId)!, ackedAt, ...(batch ? { batch } : {}) });
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

    /** Open while the Temporal server is stopped (temporal-stop): requests sent meanwhile and their answers. */
    let stopWindow: { from: number; to: number; requests: number; answers: Record<string, number> } | null = null;

    /** POST with a timeout (to `target`, else an API the balancer picks); the answer's status and JSON, or the network error's kind. `taskIds`: the tasks it carries. */
    const post = async (path: string, body: unknown, taskIds: string[], headers: Record<string, string> = {}, gate = inFlight, target?: string) => {
      await gate.acquire();
      const at = target ?? pickBase();
      const sentAt = Date.now();
      for (const id of taskIds) if (!firstSent.has(id)) firstSent.set(id, sentAt);
      const window = stopWindow && stopWindow.to === Infinity ? stopWindow : null;
      const answer = (key: string) => {
        count(key);
        if (window) {
          window.requests++;
          window.answers[key] = (window.answers[key] ?? 0) + 1;
        }
      };
      try {
        const res = await fetch(`${at}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        answer(`${res.status}`);
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON
        }
        return { status: res.status, json, text };
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
        answer(`network:${cause}`);
        downUntil.set(at, Date.now() + 1000);
        return { status: 0, json: null, text: String(err) };
      } finally {
        gate.release();
      }
    };
    const retriable = (status: number) => status === 0 || status === 408 || status === 429 || status >= 500;
    const retriableCodes = ['queue_full', 'temporal_unavailable', 'database_unavailable', 'internal_error'];
    type BatchResults = ({ index: number; taskId?: string; error?: { code: string } })[] | undefined;
    /** One item's fate in a batch answer: acknowledged, refused for good, or to be sent again. */
    const itemOutcome = (r: Awaited<ReturnType<typeof post>>, results: BatchResults, index: number, t: PlannedTask): 'ok' | 'refused' | 'retry' => {
      const res = r.status >= 200 && r.status < 300 ? results?.find((x) => x.index === index) : undefined;
      if (res?.taskId !== undefined) {
        if (res.taskId !== t.taskId) throw new Error(`the API answered task id ${res.taskId} for batch item ${index} (${t.idempotencyKey}), expected ${t.taskId}`);
        return 'ok';
      }
      if (res?.error && !retriableCodes.includes(res.error.code)) {
        rejected.push({ taskId: t.taskId, status: r.status, body: JSON.stringify(res.error).slice(0, 300) });
        return 'refused';
      }
      if (r.status !== 0 && !retriable(r.status) && !res) {
        rejected.push({ taskId: t.taskId, status: r.status, body: r.text.slice(0, 300) });
        return 'refused';
      }
      return 'retry';
    };

    // No submission outlives the budget, whatever the faults did: what is left by then is given up.
    const submitDeadline = runStarted + o.budgetMs - 90_000;
    const giveUpAt = () => Math.min(Date.now() + o.giveUpMs, submitDeadline);
    const attempted = new Set<string>();
    const submitSingle = async (t: PlannedTask, gate = inFlight) => {
      attempted.add(t.taskId);
      const deadline = giveUpAt();
      for (let n = 0; ; n++) {
        const r = await post(`/api/accounts/${encodeURIComponent(t.accountId)}/tasks`, t.body, [t.taskId], { 'idempotency-key': t.idempotencyKey }, gate);
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
    interface Item { t: PlannedTask; deadline: number; tries: number; done: (ackedAt: number | null) => void }
    const pending: Item[][] = [];
    const batchesInFlight = new Set<Promise<void>>();
    let groupNo = 0;
    const sendBatch = async (groups: Item[][]) => {
      const items = groups.flat();
      const groupOf = new Map(groups.flatMap((g) => g.map((it) => [it, g] as const)));
      for (const it of items) attempted.add(it.t.taskId);
      const r = await post('/api/tasks/batch', {
        tasks: items.map(({ t }) => ({ accountId: t.accountId, taskId: t.taskId, ...t.body })),
      }, items.map((it) => it.t.taskId));
      const results = (r.json as { results?: BatchResults } | null)?.results;
      const retry: Item[] = [];
      const now = Date.now();
      items.forEach((it, index) => {
        const outcome = itemOutcome(r, results, index, it.t);
        if (outcome === 'ok') return it.done(now);
        if (outcome === 'refused') return it.done(null);
        if (Date.now() > it.deadline) {
          gaveUp++;
          return it.done(null);
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
      const answers = group.map((t) => new Promise<number | null>((resolve) => items.push({ t, deadline: giveUpAt(), tries: 0, done: resolve })));
      pending.push(items);
      const id = `g${groupNo++}`;
      return Promise.all(answers).then((ackedAt) => {
        // Acknowledged in submission order, once the whole group has its answers.
        group.forEach((t, i) => ackedAt[i] !== null && ack(t, ackedAt[i]!, { id, index: i }));
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

    /** The one-account flood: every chunk at once, 32 requests in flight, each retried until acknowledged. */
    const floodGate32 = new Semaphore(32);
    const floodRequests = { single: 0, batch: 0 };
    /** `firstAt`: the API the first attempt goes to (the relay fault's); retries go wherever the balancer sends them. */
    const submitKeyedBatch = async (chunk: { key: string; tasks: PlannedTask[] }, gate = floodGate32, firstAt?: string) => {
      const deadline = giveUpAt();
      const open = new Set(chunk.tasks.map((t) => t.taskId));
      for (const t of chunk.tasks) attempted.add(t.taskId);
      for (let n = 0; ; n++) {
        // The same request every time: under an Idempotency-Key a retry must repeat the whole batch.
        const r = await post('/api/tasks/batch', { tasks: chunk.tasks.map((t) => ({ accountId: t.accountId, ...t.body })) },
          chunk.tasks.map((t) => t.taskId), { 'idempotency-key': chunk.key }, gate, n === 0 ? firstAt : undefined);
        const results = (r.json as { results?: BatchResults } | null)?.results;
        const now = Date.now();
        chunk.tasks.forEach((t, index) => {
          if (!open.has(t.taskId)) return;
          const outcome = itemOutcome(r, results, index, t);
          if (outcome === 'retry') return;
          open.delete(t.taskId);
          if (outcome === 'ok') ack(t, now, { id: chunk.key, index });
        });
        if (!open.size) return;
        if (n > 0) count('retried');
        if (Date.now() > deadline) {
          gaveUp += open.size;
          return;
        }
        await backoff(n);
      }
    };
    const submitFlood = async () => {
      await Promise.all(flood!.chunks.map(async (chunk) => {
        if (chunk.tasks.length === 1) {
          floodRequests.single++;
          await submitSingle(chunk.tasks[0]!, floodGate32);
        } else {
          floodRequests.batch++;
          await submitKeyedBatch(chunk);
        }
      }));
    };

    // Progress, every 5 s, from the ledger (which may be down: that is one of the faults).
    // No queries of ours while Postgres is down: they would only wait out the connect timeout.
    let pgDown = false;
    const progress = setInterval(() => {
      void (async () => {
        let ledger = 'Postgres is down';
        try {
          if (!pgDown) {
            const rows = await q<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM tasks GROUP BY status`);
            const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
            const terminal = rows.filter((r) => !['queued', 'running'].includes(r.status)).reduce((sum, r) => sum + r.n, 0);
            ledger = `queued ${by.queued ?? 0}, running ${by.running ?? 0}, terminal ${terminal}`;
          }
        } catch {
          ledger = 'unreachable';
        }
        log(`  t=${since()}s acknowledged ${acked.length}/${planned.size}, gave up ${gaveUp}; ledger: ${ledger}; workers ${procs.live('worker').length}`);
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
      log(`  t=${since()}s paced submissions done: ${acked.length} acknowledged, ${gaveUp} given up, ${rejected.length} rejected`);
    });

    // --- faults, one after another (each one recovered before the next) ---------------------------------
    const faults: FaultRecord[] = [];
    const faultErrors: string[] = [];
    const fault = async (which: FaultName, name: string, action: () => Promise<string>) => {
      if (!o.faults.includes(which)) return;
      await sleep(o.faultGapMs);
      const atS = since();
      const started = Date.now();
      log(`>> t=${atS}s (${new Date().toISOString().slice(11, 23)}) fault: ${name}`);
      let detail: string;
      try {
        detail = await action();
      } catch (err) {
        detail = `FAILED: ${err instanceof Error ? err.message : String(err)}`;
        faultErrors.push(`${name}: ${detail}`);
      }
      const recoveredInS = Math.round((Date.now() - started) / 100) / 10;
      faults.push({ name, atS, recoveredInS, detail });
      log(`<< t=${since()}s (${new Date().toISOString().slice(11, 23)}) back from "${name}" in ${recoveredInS} s (${detail})`);
    };
    const stopTemporal = async (old: TemporalProcess, signal = o.temporalSignal) => {
      if (signal === 'SIGKILL') {
        process.kill(old.pid, 'SIGKILL');
        await old.exited;
      } else {
        await old.stop();
      }
    };

    // The one-account flood first: its thousand tasks then run through every fault that follows.
    let floodFigures: { started: number; acked: number } | null = null;
    await fault('flood', `flood one account with ${o.floodTasks} tasks (singles and batches, 32 requests in flight)`, async () => {
      const started = Date.now();
      await submitFlood();
      const floodIds = new Set(floodTasks.map((t) => t.taskId));
      const ackedCount = acked.filter((a) => floodIds.has(a.taskId)).length;
      floodFigures = { started, acked: Date.now() };
      const secs = (Date.now() - started) / 1000;
      return `${ackedCount} of ${floodTasks.length} acknowledged in ${secs.toFixed(1)} s (${(ackedCount / secs).toFixed(0)} tasks/s; ` +
        `${floodRequests.single} singles and ${floodRequests.batch} batches of 2-40)`;
    });
    let temporalStopped: { from: number; to: number; requests: number; answers: Record<string, number> } | null = null;
    await fault('temporal-stop', `stop the ${serverName} for ${o.temporalStopMs / 1000} s while submissions go on`, async () => {
      const old = temporal!;
      procs.holdRestarts = true;
      const window = { from: 0, to: Infinity, requests: 0, answers: {} as Record<string, number> };
      try {
        await stopTemporal(old);
        window.from = Date.now();
        stopWindow = temporalStopped = window;
        await sleep(o.temporalStopMs);
        window.to = Date.now();
        temporal = await startTemporal();
      } finally {
        window.to = Math.min(window.to, Date.now());
        stopWindow = null;
        procs.holdRestarts = false;
      }
      const ackedMeanwhile = acked.filter((a) => a.ackedAt! >= window.from && a.ackedAt! <= window.to).length;
      if (window.requests === 0) throw new Error('no submission was sent while Temporal was down (submissions had finished?)');
      return `pid ${old.pid} → ${temporal.pid}; down ${((window.to - window.from) / 1000).toFixed(1)} s; ${window.requests} requests sent meanwhile ` +
        `(${Object.entries(window.answers).map(([k, v]) => `${k}:${v}`).join(' ')}), ${ackedMeanwhile} tasks acknowledged meanwhile`;
    });
    await fault('worker', 'SIGKILL a worker, start a replacement', async () => {
      const victim = procs.live('worker')[0]!;
      const running = await q<{ n: number }>(`SELECT count(*)::int AS n FROM tasks WHERE status = 'running'`).catch(() => [{ n: '?' }]);
      await procs.stop(victim, 'SIGKILL');
      const replacement = startWorker();
      const polling = await workersReady();
      return `killed ${victim.name} pid ${victim.child.pid} with ${running[0]?.n} task(s) running in the ledger; ${replacement.name} started; polling: ${polling}`;
    });
    const storeName = o.server === 'cluster' ? 'same databases and ports' : 'same SQLite file and port';
    await fault('temporal', `restart the ${serverName} (${o.temporalSignal}, ${storeName})`, async () => {
      const old = temporal!;
      procs.holdRestarts = true;
      try {
        await stopTemporal(old);
        const downAt = Date.now();
        temporal = await startTemporal();
        return `pid ${old.pid} → ${temporal.pid}, down ${((Date.now() - downAt) / 1000).toFixed(1)} s`;
      } finally {
        procs.holdRestarts = false;
      }
    });
    // A crash of the server in the middle of its work: whatever it had not written to its databases is gone,
    // and the next process takes the history shards over from the dead one's leases.
    await fault('temporal-kill', `SIGKILL the ${serverName} and start it again (${storeName})`, async () => {
      const old = temporal!;
      const running = await q<{ n: number }>(`SELECT count(*)::int AS n FROM tasks WHERE status = 'running'`).catch(() => [{ n: '?' }]);
      const finishedBefore = await q<{ n: number }>(`SELECT count(*)::int AS n FROM tasks WHERE status NOT IN ('queued', 'running')`).catch(() => [{ n: -1 }]);
      procs.holdRestarts = true;
      try {
        await stopTemporal(old, 'SIGKILL');
        const downAt = Date.now();
        temporal = await startTemporal();
        const downS = (Date.now() - downAt) / 1000;
        // Back means tasks finish again, not just a port that answers.
        const before = finishedBefore[0]?.n ?? -1;
        const resumedAt = await eventually(async () => {
          const [row] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM tasks WHERE status NOT IN ('queued', 'running')`);
          const [live] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM tasks WHERE status IN ('queued', 'running')`);
          return ((row?.n ?? 0) > before || live?.n === 0) && Date.now();
        }, { timeoutMs: 120_000, intervalMs: 250, what: 'a task to finish after the Temporal server was killed' });
        return `pid ${old.pid} killed with ${running[0]?.n} task(s) running in the ledger → pid ${temporal.pid}, serving again after ${downS.toFixed(1)} s, ` +
          `tasks finishing again after ${((resumedAt - downAt) / 1000).toFixed(1)} s`;
      } finally {
        procs.holdRestarts = false;
      }
    });
    let relayKill: { pid: number; at: number } | null = null;
    await fault('relay', 'SIGKILL a relay between signal and mark (relay-api: FAULT_RELAY_KILL_AFTER_SIGNALS=1)', async () => {
      const m = relayApi!;
      const alive = () => m.child.proc.exitCode === null && m.child.proc.signalCode === null;
      const exited = exitOf(m);
      const i = procs.all.indexOf(m);
      if (i >= 0) procs.all.splice(i, 1);
      if (!alive()) {
        const end = await exited;
        throw new Error(`relay-api (pid ${m.child.pid}) had exited before its fault (code ${end.code}, signal ${end.signal}): ${firstErrorLine(m.child.output())}`);
      }
      // Batches of a dedicated account, sent to relay-api: each commit kicks its relay at once (api-1 only
      // polls), so its first signal follows. A batch whose answer dies with it is retried at api-1.
      const sends: Promise<void>[] = [];
      let end: Awaited<typeof exited> | null = null;
      for (let k = 0; k < 10 && !end; k++) {
        sends.push(submitKeyedBatch(relayChunk(k), inFlight, relayBase));
        end = await Promise.race([exited, sleep(3000).then(() => null)]);
      }
      end ??= await Promise.race([exited, sleep(10_000).then(() => null)]);
      await Promise.all(sends);
      if (!end) {
        await m.child.stop('SIGKILL');
        throw new Error(`relay-api (pid ${m.child.pid}) did not signal after ${relayTasks.length} tasks sent to it: ${m.child.output().slice(-600)}`);
      }
      if (end.signal !== 'SIGKILL') throw new Error(`relay-api (pid ${m.child.pid}) exited with code ${end.code}, signal ${end.signal}, not by its SIGKILL hook: ${firstErrorLine(m.child.output())}`);
      relayKill = { pid: m.child.pid, at: Date.now() };
      const live = procs.live('api').map((a) => `${a.name} pid ${a.child.pid}`).join(', ');
      return `relay-api pid ${m.child.pid} SIGKILLed itself after its first signal; ${relayTasks.length} task(s) in ${sends.length} batch(es) sent to it, all acknowledged; ${live} kept serving`;
    });
    if (!o.faults.includes('api')) openFlood();
    const apiFault = o.apis > 1 ? `kill one of ${o.apis} API processes (${o.apiSignal}) during the submission flood, the others serving, then start it again` : `restart the API (${o.apiSignal}) during the submission flood`;
    await fault('api', apiFault, async () => {
      openFlood();
      await sleep(1500); // the flood is under way
      const api = procs.live('api')[0]!;
      const flooding = !submissionsDone;
      const before = acked.length;
      await procs.stop(api, o.apiSignal, 10_000);
      const downAt = Date.now();
      // With other API processes up, the clients' balancer sends everything to them for a while.
      if (o.apis > 1) await sleep(5000);
      const during = acked.length - before;
      const next = procs.start(`api-${++apiNo}`, 'api/server.ts', api.env);
      await apiReady(`http://127.0.0.1:${api.env.PORT}`);
      const others = procs.live('api').filter((a) => a !== next).map((a) => `${a.name} pid ${a.child.pid}`).join(', ');
      return `${api.name} pid ${api.child.pid} → ${next.name} pid ${next.child.pid}, down ${((Date.now() - downAt) / 1000).toFixed(1)} s; ` +
        (flooding ? `${before} acknowledged when it went down, ${during} more by ${others || 'nobody'} while it was down, ${acked.length} when it was back` : 'NOTE: submissions had already finished');
    });
    await fault('postgres', `stop Postgres for ${o.pgOutageMs / 1000} s`, async () => {
      const pid = await cluster!.pid();
      pgDown = procs.holdRestarts = true;
      try {
        await cluster!.stop('fast');
        await sleep(o.pgOutageMs);
        await cluster!.start();
      } finally {
        pgDown = procs.holdRestarts = false;
      }
      return `postmaster pid ${pid} stopped (fast), started again as pid ${await cluster!.pid()}${submissionsDone ? '; submissions had finished' : '; submissions in progress'}`;
    });
    openFlood();

    await submission;
    clearInterval(collector);

    // --- drain --------------------------------------------------------------------------------------------
    const drainStarted = Date.now();
    const drainTimeoutMs = Math.max(10_000, Math.min(o.drainTimeoutMs, runStarted + o.budgetMs - 30_000 - drainStarted));
    const ackedIds = acked.map((a) => a.taskId);
    log(`draining (up to ${(drainTimeoutMs / 1000).toFixed(0)} s)`);
    let drained = false;
    while (Date.now() - drainStarted < drainTimeoutMs) {
      try {
        const [row] = await q<{ live: number; done: number }>(`
          SELECT
            (SELECT count(*)::int FROM tasks WHERE status IN ('queued', 'running')) AS live,
            (SELECT count(*)::int FROM tasks WHERE task_id = ANY($1::text[]) AND status NOT IN ('queued', 'running')) AS done`, [ackedIds]);
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
        const accounts = (await q<{ account_id: string }>(`SELECT DISTINCT account_id FROM tasks WHERE status IN ('queued', 'running') LIMIT 3`)).map((r) => r.account_id);
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
    const taskRows = await q<{ task_id: string; account_id: string; status: string; error: unknown; attempts: number; unmarked: boolean }>(
      `SELECT task_id, account_id, status, error, attempts, delivered_at IS NULL AS unmarked FROM tasks`);
    const tasks: TaskRow[] = taskRows.map((r) => ({ taskId: r.task_id, accountId: r.account_id, status: r.status }));
    const errorOf = new Map(taskRows.map((r) => [r.task_id, r.error ? JSON.stringify(r.error).slice(0, 200) : null]));
    const attemptsOf = new Map(taskRows.map((r) => [r.task_id, r.attempts]));
    const events: TaskEvent[] = (await q<{ id: string; task_id: string; account_id: string; type: string; at: Date; data: unknown }>(
      `SELECT id, task_id, account_id, type, at, data FROM task_events ORDER BY id`)).map((r) => ({
      id: Number(r.id), taskId: r.task_id, accountId: r.account_id, type: r.type, at: r.at, data: r.data,
    }));
    const [{ present }] = (await q<{ present: boolean }>(`SELECT to_regclass('interaction_events') IS NOT NULL AS present`)) as [{ present: boolean }];
    const interactions: InteractionEvent[] | null = present
      ? (await q<{ account_id: string; target: string; action: string; status: string; task_id: string | null }>(
          `SELECT account_id, target, action, status, task_id FROM interaction_events ORDER BY id`)).map((r) => ({
          accountId: r.account_id, target: r.target, action: r.action, status: r.status, taskId: r.task_id,
        }))
      : null;
    const verdict = judge({ acked, tasks, events, interactions });

    const status = new Map(tasks.map((t) => [t.taskId, t.status]));
    const ackedSet = new Set(ackedIds);
    const eventsOf = new Map<string, TaskEvent[]>();
    for (const e of events) eventsOf.set(e.taskId, [...(eventsOf.get(e.taskId) ?? []), e]);
    const countOf = (taskId: string, types: readonly string[]) => (eventsOf.get(taskId) ?? []).filter((e) => types.includes(e.type)).length;
    const eventTrail = (taskId: string) => (eventsOf.get(taskId) ?? []).map((e) => {
      const data = (e.data && typeof e.data === 'object' ? e.data : {}) as { error?: unknown; activityAttempt?: number };
      const attempt = typeof data.activityAttempt === 'number' ? ` (activity attempt ${data.activityAttempt})` : '';
      const error = data.error ? ` ${JSON.stringify(data.error).slice(0, 120)}` : '';
      return `${e.type}@${e.at.toISOString().slice(11, 23)}${attempt}${error}`;
    }).join(' → ');
    const unexpectedOutcomes: FaultRunReport['unexpectedOutcomes'] = [];
    for (const list of [...perAccount, floodTasks, relayTasks]) {
      let firstEngage = true;
      for (const t of list) {
        const s = status.get(t.taskId);
        const expected = expectedStatus(t, firstEngage);
        if (t.kind === 'engage' && s) firstEngage = false;
        if (!s || !ackedSet.has(t.taskId) || s === expected || ['queued', 'running'].includes(s)) continue;
        // `failTimes: 1` fails the first run only: a first run killed by a fault used it up.
        if (['error', 'unavailable'].includes(t.kind) && s === 'succeeded' && countOf(t.taskId, ['started']) > 1) continue;
        unexpectedOutcomes.push({
          taskId: t.taskId, accountId: t.accountId, kind: t.kind, expected, status: s, attempts: attemptsOf.get(t.taskId) ?? 0, error: errorOf.get(t.taskId) ?? null, events: eventTrail(t.taskId),
        });
      }
    }

    // temporal-stop: every request sent while it was down got its 2xx; the tasks acknowledged meanwhile ran.
    let temporalStop: TemporalStopEvidence | null = null;
    if (temporalStopped) {
      const w = temporalStopped as { from: number; to: number; requests: number; answers: Record<string, number> };
      const during = acked.filter((a) => a.ackedAt! >= w.from && a.ackedAt! <= w.to);
      temporalStop = {
        seconds: (w.to - w.from) / 1000,
        requests: w.requests,
        answers: w.answers,
        tasksAcknowledged: during.length,
        tasksTerminal: during.filter((a) => (TERMINAL as readonly string[]).includes(status.get(a.taskId) ?? '')).length,
      };
    }

    // relay: the killed process's last signal, read back from the workflow histories by its client identity.
    let relay: RelayEvidence | null = null;
    if (relayKill) {
      const kill = relayKill as { pid: number; at: number };
      const readStarted = Date.now();
      const accounts = [...new Set(tasks.map((t) => t.accountId))];
      const signals: DeliverySignal[] = [];
      const unread: string[] = [];
      const connection = await Connection.connect({ address: temporalAddress });
      try {
        await inLanes(accounts, 6, async (accountId) => {
          try {
            signals.push(...(await deliverySignals(connection, `account:${accountId}`)));
          } catch (err) {
            unread.push(`${accountId}: ${String(err).slice(0, 120)}`);
          }
        });
      } finally {
        await connection.close();
      }
      const deliveries = new Map<string, number>();
      for (const s of signals) for (const id of s.taskIds) deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
      const mine = signals.filter((s) => s.identity.startsWith(`${kill.pid}@`)).sort((a, b) => a.at - b.at);
      const last = mine.at(-1);
      const unmarked = new Map(taskRows.map((r) => [r.task_id, r.unmarked]));
      const ids = last?.taskIds ?? [];
      let deliveredAgain = 0;
      let ranBeforeRedelivery = 0;
      const wrong: string[] = [];
      for (const id of ids) {
        const terminal = countOf(id, TERMINAL);
        if (terminal !== 1) wrong.push(`${id}: ${terminal} terminal events`);
        else if ((deliveries.get(id) ?? 0) >= 2) deliveredAgain++;
        else if (unmarked.get(id) && countOf(id, ['started']) > 0) ranBeforeRedelivery++;
        else wrong.push(`${id}: delivered ${deliveries.get(id) ?? 0} time(s), ${unmarked.get(id) ? 'unmarked' : 'marked'}, ${countOf(id, ['started'])} start(s)`);
      }
      relay = {
        pid: kill.pid,
        signals: mine.length,
        accountId: last?.workflowId.replace(/^account:/, '') ?? null,
        taskIds: ids,
        deliveredAgain,
        ranBeforeRedelivery,
        wrong,
        maxStarts: Math.max(0, ...ids.map((id) => countOf(id, ['started']))),
        deliveredMoreThanOnce: [...deliveries.values()].filter((n) => n > 1).length,
        accountsRead: accounts.length - unread.length,
        unread,
        readSeconds: (Date.now() - readStarted) / 1000,
      };
    }

    // flood: its own FIFO figures, and how long the account took to run it all.
    let floodEvidence: FloodEvidence | null = null;
    if (flood && floodFigures) {
      const figures = floodFigures as { started: number; acked: number };
      const mine = events.filter((e) => e.accountId === flood.accountId);
      const firstStart = mine.find((e) => e.type === 'started');
      const lastEnd = mine.filter((e) => (TERMINAL as readonly string[]).includes(e.type)).at(-1);
      const fifo = findFifoViolations(acked.filter((a) => a.accountId === flood.accountId), buildRuns(mine));
      floodEvidence = {
        accountId: flood.accountId,
        tasks: floodTasks.length,
        requests: floodRequests,
        ackSeconds: (figures.acked - figures.started) / 1000,
        runSeconds: firstStart && lastEnd ? (lastEnd.at.getTime() - firstStart.at.getTime()) / 1000 : null,
        fifoPairsChecked: fifo.pairsChecked,
        fifoViolations: fifo.violations.length,
      };
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
    if (verdict.fifoViolations.length) failures.push(`${verdict.fifoViolations.length} FIFO violation(s) by acknowledgement`);
    if (verdict.duplicateInteractionSuccesses.length) failures.push(`${verdict.duplicateInteractionSuccesses.length} (account, target, action) key(s) with more than one success`);
    if (verdict.statusMismatches.length) failures.push(`${verdict.statusMismatches.length} terminal status(es) without the matching terminal event`);
    if (unexpectedOutcomes.length) {
      const byKind = new Map<string, number>();
      for (const u of unexpectedOutcomes) {
        const code = u.error ? /"code":"([^"]*)"/.exec(u.error)?.[1] : undefined;
        const k = `${u.kind} → ${u.status}${code ? ` (${code})` : ''}`;
        byKind.set(k, (byKind.get(k) ?? 0) + 1);
      }
      failures.push(`${unexpectedOutcomes.length} wrong outcome(s): ${[...byKind.entries()].map(([k, v]) => `${k} ×${v}`).join(', ')}`);
    }
    if (!drained) failures.push(`the ledger did not drain within ${(drainTimeoutMs / 1000).toFixed(0)} s`);
    for (const e of faultErrors) failures.push(`fault not injected or not recovered from: ${e}`);
    // Every submission must end acknowledged: the client retries until it is (an API that refused
    // everything would otherwise keep every invariant).
    if (acked.length < planned.size) {
      failures.push(`${planned.size - acked.length} of ${planned.size} task(s) never acknowledged: ${gaveUp} given up after ${o.giveUpMs / 1000} s of retries, ${rejected.length} refused, ${planned.size - attempted.size} never sent`);
    }
    if (temporalStop) {
      const not2xx = Object.entries(temporalStop.answers).filter(([k]) => !/^2\d\d$/.test(k)).reduce((sum, [, v]) => sum + v, 0);
      if (not2xx) failures.push(`${not2xx} of ${temporalStop.requests} request(s) sent while Temporal was stopped got no 2xx (${Object.entries(temporalStop.answers).map(([k, v]) => `${k}:${v}`).join(' ')})`);
      if (temporalStop.tasksTerminal < temporalStop.tasksAcknowledged) failures.push(`${temporalStop.tasksAcknowledged - temporalStop.tasksTerminal} task(s) acknowledged while Temporal was stopped never finished`);
    }
    if (relay) {
      if (relay.signals === 0 || relay.taskIds.length === 0) failures.push(`the killed relay's signal (client identity ${relay.pid}@…) is in no workflow history (${relay.accountsRead} read${relay.unread.length ? `; not read: ${relay.unread.slice(0, 3).join('; ')}` : ''})`);
      if (relay.wrong.length) failures.push(`${relay.wrong.length} task(s) of the killed relay's signal neither delivered again nor run, or not run once: ${relay.wrong.slice(0, 5).join('; ')}`);
    }
    if (procs.unexpectedExits.length && !o.tolerateExits) {
      failures.push(`${procs.unexpectedExits.length} Baton process(es) died on their own: ${procs.unexpectedExits.map((e) => `${e.name} at t=${e.atS}s (${firstErrorLine(e.tail)})`).join('; ')}`);
    }

    const s1 = (n: number) => n.toFixed(1);
    const rows: [string, string][] = [
      ['tasks submitted', attempted.size === planned.size ? `${planned.size}${flood ? ` (${floodTasks.length} of them in the one-account flood)` : ''}` : `${attempted.size} of ${planned.size} planned`],
      ['acknowledged (2xx)', String(acked.length)],
      ['not acknowledged (given up / refused)', `${gaveUp} / ${rejected.length}`],
      ['faults injected', String(faults.length)],
      ...faults.map((f, i): [string, string] => [`  ${i + 1}. ${f.name}`, `t=${s1(f.atS)} s, back in ${s1(f.recoveredInS)} s`]),
      ...(temporalStop ? [['Temporal stopped: requests sent meanwhile / 2xx', `${temporalStop.requests} / ${Object.entries(temporalStop.answers).filter(([k]) => /^2\d\d$/.test(k)).reduce((s, [, v]) => s + v, 0)} (${temporalStop.tasksAcknowledged} tasks acknowledged while down, ${temporalStop.tasksTerminal} of them ran)`] as [string, string]] : []),
      ...(relay ? [['relay killed between signal and mark', relay.taskIds.length
        ? `pid ${relay.pid}: its signal carried ${relay.taskIds.length} task(s) of ${relay.accountId}; delivered again ${relay.deliveredAgain}, ran before a relay came back ${relay.ranBeforeRedelivery}, wrong ${relay.wrong.length}; max starts per task ${relay.maxStarts}`
        : `pid ${relay.pid}: its signal not found in ${relay.accountsRead} histories`] as [string, string],
      ['tasks delivered more than once (all accounts)', `${relay.deliveredMoreThanOnce} (${relay.accountsRead} histories read in ${s1(relay.readSeconds)} s)`] as [string, string]] : []),
      ...(floodEvidence ? [['one-account flood', `${floodEvidence.tasks} tasks acknowledged in ${s1(floodEvidence.ackSeconds)} s (${floodEvidence.requests.single} singles + ${floodEvidence.requests.batch} batches of 2-40); ran in ${floodEvidence.runSeconds === null ? '-' : `${s1(floodEvidence.runSeconds)} s`}; FIFO violations ${floodEvidence.fifoViolations} of ${floodEvidence.fifoPairsChecked} ordered pairs`] as [string, string]] : []),
      ['lost', verdict.lost ? `${verdict.lost} (${verdict.missing.length} never in the ledger, ${verdict.notTerminal.length} still queued/running at the end)` : '0'],
      ['duplicates (> 1 terminal event)', String(verdict.duplicates.length)],
      ['terminal status without its event', String(verdict.statusMismatches.length)],
      ['overlaps (by time / in ledger order)', `${verdict.overlaps.length} / ${verdict.ledgerOrderOverlaps.length}`],
      ['FIFO violations (by acknowledgement)', `${verdict.fifoViolations.length} (of ${verdict.fifoPairsChecked} ordered pairs)`],
      ['duplicate interaction successes', interactions === null ? 'n/a (no interaction_events table)' : `${verdict.duplicateInteractionSuccesses.length} (${interactions.length} interaction events)`],
      ['time to drain', drainSeconds === null ? `not drained in ${(drainTimeoutMs / 1000).toFixed(0)} s` : `${s1(drainSeconds)} s`],
      ['rows still queued/running', String(verdict.liveRows)],
      ['runs (started events) / open runs', `${verdict.runs} / ${verdict.openRuns.length}`],
      ['terminal statuses of acknowledged', Object.entries(verdict.statusCounts).map(([k, v]) => `${k} ${v}`).join(', ')],
      ['wrong outcomes', String(unexpectedOutcomes.length)],
      ['skipped as dedupe_hit of their own success', interactions === null ? 'n/a' : String(verdict.skippedAfterOwnSuccess.length)],
      ['longest time no task finished', stall ? `${s1(stall.seconds)} s from t=${s1(stall.fromS)} s` : '-'],
      ['tasks in ledger never acknowledged', String(verdict.unacknowledgedInLedger)],
      ['HTTP answers', Object.entries(http).sort().map(([k, v]) => `${k}:${v}`).join(' ')],
      ['lines in process output', Object.entries(procs.signatures).map(([k, v]) => `${k}: ${v}`).join(', ')],
      ['processes that died on their own', procs.unexpectedExits.length ? procs.unexpectedExits.map((e) => `${e.name} t=${e.atS}s`).join(', ') : '0'],
      ['processes at the end', `${liveWorkers} worker(s), ${liveApi} API`],
      ['submission time (paced accounts)', `${s1(submitSeconds)} s`],
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
      temporalStop,
      relay,
      flood: floodEvidence,
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
    } else if (procs.unexpectedExits.length) {
      log(details(report));
    }
    return report;
  } finally {
    await procs.stopAll().catch((err) => log(`stopping processes: ${String(err)}`));
    await temporal?.stop().catch((err) => log(`stopping Temporal: ${String(err)}`));
    // The real server's databases go with the run (CHAOS_KEEP_DIR=1 keeps them, as it keeps the directory).
    await realServer?.stop({ keepDatabases: o.keepDir }).catch((err) => log(`dropping Temporal's databases: ${String(err)}`));
    if (realServer && o.keepDir) log(`kept databases ${realServer.databases.name}, ${realServer.databases.visibilityName}`);
    await checker?.end().catch(() => {});
    await cluster?.destroy().catch((err) => log(`stopping Postgres: ${String(err)}`));
    if (!o.keepDir) await rm(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

interface DeliverySignal {
  workflowId: string;
  /** Event time (ms). */
  at: number;
  /** The sender's client identity (`pid@host` by default). */
  identity: string;
  taskIds: string[];
}

/** Every `deliver` signal in a workflow's history, its current run and those it continued from. */
async function deliverySignals(connection: Connection, workflowId: string): Promise<DeliverySignal[]> {
  const out: DeliverySignal[] = [];
  let runId: string | undefined;
  for (let runs = 0; runs < 100; runs++) {
    let nextPageToken: Uint8Array | undefined;
    let first: proto.temporal.api.history.v1.IHistoryEvent | undefined;
    do {
      const page = await connection.workflowService.getWorkflowExecutionHistory({
        namespace: 'default', execution: { workflowId, ...(runId ? { runId } : {}) }, ...(nextPageToken ? { nextPageToken } : {}),
      });
      for (const e of page.history?.events ?? []) {
        first ??= e;
        const s = e.workflowExecutionSignaledEventAttributes;
        if (!s || s.signalName !== 'deliver') continue;
        const data = s.input?.payloads?.[0]?.data;
        const request = data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { tasks?: { taskId: string }[] }) : {};
        out.push({
          workflowId,
          at: Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6),
          identity: s.identity ?? '',
          taskIds: (request.tasks ?? []).map((t) => t.taskId),
        });
      }
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    const previous = first?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) break;
    runId = previous;
  }
  return out;
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
  for (const f of few(v.fifoViolations)) {
    out.push(`FIFO in ${f.accountId}: ${f.earlier} must start first (${f.rule}), yet ${f.later} started (event ${f.laterFirstStartId}) before its last start (event ${f.earlierLastStartId})`);
  }
  for (const d of few(v.duplicateInteractionSuccesses)) out.push(`${d.successes} successes for ${d.key} (tasks ${d.taskIds.join(', ')})`);
  for (const s of few(v.statusMismatches)) out.push(`status/event mismatch: ${s.taskId} is ${s.status}, terminal event ${s.terminalEvent}`);
  for (const x of few(v.skippedAfterOwnSuccess)) out.push(`skipped after its own interaction success: ${x.taskId}: interaction events ${x.events.join(' → ')}`);
  for (const u of r.unexpectedOutcomes.slice(0, 10)) {
    out.push(`outcome: ${u.taskId} of ${u.accountId} (${u.kind}) ended ${u.status} after ${u.attempts} attempt(s), expected ${u.expected}${u.error ? `: ${u.error}` : ''}; events: ${u.events}`);
  }
  if (r.temporalStop) out.push(`while Temporal was stopped (${r.temporalStop.seconds.toFixed(1)} s): answers ${JSON.stringify(r.temporalStop.answers)}`);
  if (r.relay?.wrong.length) out.push(`killed relay (pid ${r.relay.pid}), its signal's tasks: ${r.relay.wrong.slice(0, 10).join('; ')}`);
  for (const x of r.rejected.slice(0, 5)) out.push(`rejected: ${x.taskId}: ${x.status} ${x.body}`);
  for (const line of r.stuck) out.push(`stuck ${line}`);
  for (const e of r.unexpectedExits) out.push(`died on its own: ${e.name} pid ${e.pid} at t=${e.atS}s (code ${e.code}, signal ${e.signal}): ${firstErrorLine(e.tail)}`);
  return out.length ? `evidence:\n${out.map((l) => `  ${l}`).join('\n')}` : '';
}
