/**
 * Builds a Temporal worker for the account workflows and their activities, with explicit concurrency
 * settings. Used by `npm run worker`, `npm start` and the tests.
 */
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Config } from '../config/env';
import type { Logger } from '../config/logger';
import { defaultSettings } from '../config/settings';
import { createActivities } from '../activities';
import { createHandlerRegistry, type TaskHandler } from '../activities/handlers';
import type { Database } from '../db/client';
import { createSettingsStore } from '../db/settings-store';
import type { WorkerMetrics } from './metrics';
import { ensureCleanupSchedule } from './schedules';

export interface WorkerDeps {
  config: Config;
  database: Database;
  log: Logger;
  connection?: NativeConnection;
  /** Extra handlers (tests register their own). */
  extraHandlers?: TaskHandler[];
  heartbeatIntervalMs?: number;
  metrics?: WorkerMetrics;
}

export interface BatonWorker {
  worker: Worker;
  connection: NativeConnection;
  /** Resolves when the worker has stopped (after `worker.shutdown()` drained it). */
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

let bundled: Promise<WorkflowBundle> | undefined;

/**
 * The workflow bundle (./bundle.ts), built by a short-lived child process and handed over as its code.
 * Webpack in the worker's own process left about 150 MB of RSS behind for good (a worker with no account:
 * about 300 MB instead of 150; V8 keeps the heap it grew to and malloc its arenas), which every worker
 * and `npm start` paid. Once per process.
 */
function workflowBundleFromChild(): Promise<WorkflowBundle> {
  bundled ??= (async () => {
    const script = `const { workflowBundle } = await import(${JSON.stringify(new URL('./bundle.ts', import.meta.url).href)});
process.stdout.write((await workflowBundle()).code);`;
    // tsx loads the TypeScript source, resolved from here so the child works from any directory.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', tsx, '--input-type=module', '--eval', script], { maxBuffer: 256 * 2 ** 20 });
    if (!stdout) throw new Error('the workflow bundler wrote no code');
    return { code: stdout };
  })();
  bundled.catch(() => {
    bundled = undefined; // a failed build is not remembered: the next worker tries again
  });
  return bundled;
}

export async function createBatonWorker(deps: WorkerDeps): Promise<BatonWorker> {
  const { config, database, log } = deps;
  const connection = deps.connection ?? (await NativeConnection.connect({ address: config.temporalAddress }));
  const ownsConnection = !deps.connection;
  const activities = createActivities({
    db: database.db,
    // No cache: a settings change must apply to the very next outcome (two primary-key reads per task).
    settings: createSettingsStore(database.db, defaultSettings(config), 0),
    handlers: createHandlerRegistry({ demoHandlers: config.DEMO_HANDLERS, webhookUrl: config.WEBHOOK_URL }, deps.extraHandlers),
    log,
    ...(deps.heartbeatIntervalMs ? { heartbeatIntervalMs: deps.heartbeatIntervalMs } : {}),
    ...(deps.metrics ? { onRunFinished: deps.metrics.taskFinished } : {}),
  });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: await workflowBundleFromChild(),
    activities,
    identity: `baton-worker@${hostname()}:${process.pid}`,
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentLocalActivityExecutions: config.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    workflowThreadPoolSize: config.WORKER_WORKFLOW_THREADS,
    reuseV8Context: config.WORKER_REUSE_V8_CONTEXT,
    shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE_MS,
    stickyQueueScheduleToStartTimeout: config.WORKER_STICKY_TIMEOUT_MS,
    // Cancellation reaches an activity with a heartbeat's answer: keep that within a second.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
  });
  deps.metrics?.observe(worker);
  await ensureCleanupSchedule({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, log });
  let running: Promise<void> | undefined;
  return {
    worker,
    connection,
    run() {
      running ??= worker.run().finally(async () => {
        if (ownsConnection) await connection.close();
      });
      return running;
    },
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
