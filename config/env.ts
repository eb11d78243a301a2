/**
 * The only reader of `process.env`. Every setting Baton takes from its environment is parsed here once,
 * validated with zod, and handed to the rest of the code as a typed object. A bad value stops the process
 * with a message that names the variable and what it expected.
 */
import { z } from 'zod';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const positiveNumber = z.coerce.number().positive();
const numberList = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean).map(Number))
  .pipe(z.array(z.number().positive()).min(1, 'needs at least one number'));

/** Every variable, its default and meaning. docs/operations.md mirrors this list. */
const schema = z.object({
  /** API port. (Default: 3000) */
  PORT: port.default(3000),
  /** Interface the API binds to. (Default: 127.0.0.1) */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Temporal frontend address; when unset `npm start` runs a dev server. (Default: 127.0.0.1:<TEMPORAL_PORT>) */
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  /** Temporal namespace. (Default: default) */
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Task queue the account workflows and activities use. (Default: baton) */
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('baton'),
  /** Dev server frontend port. (Default: 7233) */
  TEMPORAL_PORT: port.default(7233),
  /** Dev server Web UI port. (Default: 8233) */
  TEMPORAL_UI_PORT: port.default(8233),
  /** Web UI base URL used for links; derived from TEMPORAL_UI_PORT when unset. */
  TEMPORAL_UI_URL: z.string().url().optional(),
  /** Postgres connection string; when unset an embedded PGlite database under BATON_DATA_DIR is used. */
  DATABASE_URL: z.string().min(1).optional(),
  /**
   * `npm run temporal:server` only: the PostgreSQL server and main database of the Temporal server; its
   * visibility database is `<name>_visibility`. (Default: postgres://postgres@127.0.0.1:5432/temporal)
   */
  TEMPORAL_DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/temporal'),
  /** Directory for the embedded database and the dev server's SQLite file. (Default: .data) */
  BATON_DATA_DIR: z.string().min(1).default('.data'),
  /** Comma-separated API keys; when set every route but /health needs `Authorization: Bearer <key>`. */
  API_KEYS: z
    .string()
    .optional()
    .transform((s) => (s ?? '').split(',').map((k) => k.trim()).filter(Boolean)),
  /** Requests a second each API key (requests without a valid key: each client address) may make; 0 turns the limit off. (Default: 1000) */
  API_RATE_LIMIT_RPS: z.coerce.number().min(0).default(1000),
  /** Burst size of that limit. (Default: 2000) */
  API_RATE_LIMIT_BURST: positiveInt.default(2000),
  /**
   * Event streams (`/api/events`, `/api/tasks/{id}/events`) one API key may hold open at once in one API
   * process; callers without a valid key count per client address. Over it: 429 `too_many_streams`. (Default: 20)
   */
  EVENT_STREAMS_PER_KEY: positiveInt.default(20),
  /** Event streams one API process holds open at once in all. Over it: 429 `too_many_streams`. (Default: 1000) */
  EVENT_STREAMS_MAX: positiveInt.default(1000),
  /** Comma-separated origins allowed by CORS; CORS is off when unset. */
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((s) => (s ?? '').split(',').map((o) => o.trim()).filter(Boolean)),
  /** Registers the `simulate` handler (on in `npm start`). (Default: off) */
  DEMO_HANDLERS: bool.default(false),
  /** URL the `webhook` handler POSTs tasks to; the handler is off when unset. */
  WEBHOOK_URL: z.string().url().optional(),
  /** Port of the worker's Prometheus endpoint (task outcomes and durations); off when unset. */
  WORKER_METRICS_PORT: port.optional(),
  /** Port of the Temporal SDK's own Prometheus exporter (worker and client metrics); off when unset. */
  TEMPORAL_METRICS_PORT: port.optional(),
  /** Interface the metrics endpoints bind to. (Default: 127.0.0.1) */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** pino log level. (Default: info) */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Activities one worker runs at once. (Default: 200) */
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt.default(200),
  /** Local activities one worker runs at once. (Default: 200) */
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: positiveInt.default(200),
  /** Workflow tasks one worker runs at once. (Default: 100) */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt.default(100),
  /**
   * Account workflows kept in the worker's cache, each about 0.3 MB of RSS (bench/README.md, idle cost); an
   * evicted account that runs again replays its history. (Default: 1000)
   */
  WORKER_MAX_CACHED_WORKFLOWS: positiveInt.default(1000),
  /** Worker threads that run workflow code; with a reused V8 context one is enough. (Default: 1) */
  WORKER_WORKFLOW_THREADS: positiveInt.max(16).default(1),
  /** One V8 context per workflow thread, shared by its workflows (the SDK's default), instead of one per workflow. (Default: true) */
  WORKER_REUSE_V8_CONTEXT: bool.default(true),
  /**
   * How long a workflow task waits on the sticky queue of the worker that last ran the account before any
   * worker may take it. A crashed worker's accounts stall this long. (Default: 3000)
   */
  WORKER_STICKY_TIMEOUT_MS: positiveInt.default(3000),
  /** How long a worker waits for running activities on SIGTERM before giving up. (Default: 30000) */
  WORKER_SHUTDOWN_GRACE_MS: positiveInt.default(30_000),
  /**
   * An account idle and empty this long completes its workflow, which leaves the worker's memory; the next
   * submission starts a new run. (Default: 300000, five minutes)
   */
  ACCOUNT_IDLE_TIMEOUT_MS: positiveInt.default(300_000),
  /** Continue-as-new after this many tasks even if Temporal does not suggest it yet. (Default: 1000) */
  CONTINUE_AS_NEW_AFTER_TASKS: positiveInt.default(1000),
  /**
   * Queued tasks of one account that one activity may run back to back, each with its own claim, record
   * and fencing token; 1 gives every task its own activity. (Default: 50)
   */
  RUN_MAX_TASKS: positiveInt.default(50),
  /** A run of tasks starts no further task after this long, so a new, more urgent task waits no longer. (Default: 1000) */
  RUN_WINDOW_MS: positiveInt.default(1000),
  /** Heartbeat timeout of a running task; a dead worker's task is retried after it. (Default: 20000) */
  TASK_HEARTBEAT_TIMEOUT_MS: positiveInt.default(20_000),
  /**
   * How often each API process's relay looks for acknowledged tasks not yet handed to their workflow that
   * it was not told of (submissions to another API process that died, or that Temporal was down for). (Default: 500)
   */
  RELAY_POLL_MS: positiveInt.default(500),
  /** Accounts one relay delivers to at once (each holds a connection of its own for its lock). (Default: 8) */
  RELAY_CONCURRENCY: positiveInt.max(64).default(8),
  /**
   * Live tasks an account's workflow holds at most; the ledger keeps the rest until its queue drains, so
   * workflow state stays small whatever the queue limit (at most 1000: with the longest task ids and
   * types, its state then stays under half of Temporal's 2 MB payload limit). (Default: 500)
   */
  RELAY_WINDOW: positiveInt.max(1000).default(500),
  /** Fault-run hook: the API process kills itself (SIGKILL) after this many relay signals, before their mark. Off when unset. */
  FAULT_RELAY_KILL_AFTER_SIGNALS: positiveInt.optional(),
  /** How long `?wait=true` waits for the workflow before answering 202 instead. (Default: 5000) */
  SUBMIT_WAIT_TIMEOUT_MS: positiveInt.default(5000),
  /** Settings defaults, used until PUT /api/settings stores others. */
  REENGAGEMENT_DAYS_DEFAULT: positiveNumber.default(30),
  RATE_LIMIT_STEPS: numberList.default([60, 120, 300, 600]),
  RATE_LIMIT_JITTER: z.coerce.number().min(0).max(1).default(0.25),
  COOLDOWN_AFTER_CONSECUTIVE: positiveInt.default(3),
  COOLDOWN_MINUTES: positiveNumber.default(45),
  MAX_QUEUED_PER_ACCOUNT: positiveInt.default(10_000),
  TASK_TIMEOUT_SECONDS: positiveNumber.default(300),
  MAX_ATTEMPTS: positiveInt.default(5),
  RETRY_INITIAL_SECONDS: positiveNumber.default(1),
  RETRY_MAX_SECONDS: positiveNumber.default(60),
  BREAKER_FAILURE_THRESHOLD: positiveInt.default(5),
  EVENT_RETENTION_DAYS: positiveNumber.default(90),
  /** Finished tasks (and their events) and idle accounts older than this many days are deleted. (Default: 30) */
  TASK_RETENTION_DAYS: positiveNumber.default(30),
});

/** Every variable Baton reads (docs/operations.md and the compose test check against this list). */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

export type Config = z.infer<typeof schema> & {
  temporalAddress: string;
  temporalUiUrl: string;
  /** The variables the environment set (the others have their defaults). */
  fromEnvironment: string[];
};

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (process.env by default); throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset" so that `FOO= npm start` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const c = parsed.data;
  return {
    ...c,
    temporalAddress: c.TEMPORAL_ADDRESS ?? `127.0.0.1:${c.TEMPORAL_PORT}`,
    temporalUiUrl: c.TEMPORAL_UI_URL ?? `http://127.0.0.1:${c.TEMPORAL_UI_PORT}`,
    fromEnvironment: CONFIG_VARIABLES.filter((name) => name in cleaned),
  };
}

/**
 * For entry points: parse or print the problems and exit 1. `defaults` fill variables the environment
 * leaves unset (`npm start` turns the demo handlers on this way).
 */
export function loadConfigOrExit(defaults: Record<string, string> = {}): Config {
  try {
    const env = { ...defaults };
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && v !== '') env[k] = v;
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
