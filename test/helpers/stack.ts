/**
 * An in-process Baton for tests: the test file's own Temporal dev server and database, one worker on a
 * unique task queue, and the API app (call `app.request()`; `listen()` for real HTTP).
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../../config/env';
import { createLogger } from '../../config/logger';
import type { TaskHandler } from '../../activities/handlers';
import { listen, type Listening } from '../../api/listen';
import { buildApi } from '../../api/wiring';
import { storeSubmissions } from '../../api/intake/store';
import type { TaskSpec } from '../../workflows/types';
import { createBatonWorker, type BatonWorker } from '../../worker/create-worker';
import { installTemporalRuntime } from '../../worker/runtime';
import { enforceContract } from './contract';
import { openTestDatabase, type DriverKind, type TestDatabase } from './database';
import { startTs, type Child } from './processes';
import type { TestTemporal } from './temporal';

/** Settings in milliseconds so cooldowns and timeouts take moments. */
export const FAST_ENV: Record<string, string> = {
  DEMO_HANDLERS: '1',
  LOG_LEVEL: 'warn',
  RATE_LIMIT_STEPS: '0.3,0.6,1.2',
  RATE_LIMIT_JITTER: '0',
  COOLDOWN_AFTER_CONSECUTIVE: '3',
  COOLDOWN_MINUTES: '0.05',
  TASK_HEARTBEAT_TIMEOUT_MS: '3000',
  SUBMIT_WAIT_TIMEOUT_MS: '5000',
  ACCOUNT_IDLE_TIMEOUT_MS: '600000',
};

export interface TestStack {
  config: Config;
  db: TestDatabase;
  client: Client;
  api: Awaited<ReturnType<typeof buildApi>>;
  worker: BatonWorker | null;
  http: Listening | null;
  startWorker(): Promise<BatonWorker>;
  /** A worker in a process of its own (`npm run worker`), on this stack's queue and database (Postgres only). */
  spawnWorker(env?: Record<string, string>): Child;
  /** Worker processes started by spawnWorker, stopped with the stack. */
  children: Child[];
  stopWorker(): Promise<void>;
  /** Submits through the intake, as the HTTP routes do (the ledger transaction, then the relay); throws on a refusal. */
  submit(accountId: string, specs: TaskSpec[]): Promise<void>;
  listen(): Promise<Listening>;
  stop(): Promise<void>;
}

export async function startStack(
  temporal: TestTemporal,
  opts: { driver?: DriverKind; env?: Record<string, string>; worker?: boolean; extraHandlers?: TaskHandler[] } = {},
): Promise<TestStack> {
  const db = await openTestDatabase(opts.driver ?? 'pglite');
  const config = loadConfig({
    ...FAST_ENV,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: `baton-test-${randomBytes(4).toString('hex')}`,
    BATON_DATA_DIR: db.dataDir,
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ...opts.env,
  });
  const log = createLogger(config.LOG_LEVEL, 'test');
  installTemporalRuntime(log); // SDK lines through pino at the test's level, not the console
  const api = await buildApi({ config, database: db.database, log, ...(opts.extraHandlers ? { extraHandlers: opts.extraHandlers } : {}) });
  enforceContract(api.app); // every answer is checked against the OpenAPI document
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const stack: TestStack = {
    config,
    db,
    client,
    api,
    worker: null,
    http: null,
    children: [],
    spawnWorker(env = {}) {
      if (!db.url) throw new Error('a worker process needs the postgres driver (PGlite belongs to one process)');
      const child = startTs('worker/main.ts', {
        ...FAST_ENV,
        ...opts.env,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
        DATABASE_URL: db.url,
        ...env,
      });
      stack.children.push(child);
      return child;
    },
    async startWorker() {
      const w = await createBatonWorker({
        config, database: db.database, log, heartbeatIntervalMs: 300,
        ...(opts.extraHandlers ? { extraHandlers: opts.extraHandlers } : {}),
      });
      void w.run();
      stack.worker = w;
      return w;
    },
    async stopWorker() {
      const w = stack.worker;
      stack.worker = null;
      await w?.shutdown();
    },
    async submit(accountId, specs) {
      const results = await storeSubmissions(db.database.db, specs.map((spec) => ({ accountId, spec })), config.MAX_QUEUED_PER_ACCOUNT);
      const refused = results.find((r) => r.kind === 'refused');
      if (refused?.kind === 'refused') throw refused.error;
      api.relay.kick();
    },
    async listen() {
      stack.http ??= await listen(api.app.fetch, '127.0.0.1', 0);
      return stack.http;
    },
    async stop() {
      for (const c of stack.children) await c.stop('SIGKILL');
      await api.closeStreams();
      await stack.http?.close();
      await stack.stopWorker();
      await api.close();
      await connection.close();
      await db.cleanup();
    },
  };
  if (opts.worker !== false) await stack.startWorker();
  return stack;
}

/** JSON request through `app.request()` (its answer checked against the OpenAPI document, see contract.ts). */
export async function call(stack: TestStack, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await stack.api.app.request(path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, body: json as any };
}
