/**
 * Wires the API's dependencies from configuration: the Temporal client, the engine gateway, the handler
 * registry (for validation at the edge), settings and the health checks. Used by `npm run api`,
 * `npm start` and the tests.
 */
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Config } from '../config/env';
import type { Logger } from '../config/logger';
import { defaultSettings } from '../config/settings';
import { createHandlerRegistry, type TaskHandler } from '../activities/handlers';
import type { Database } from '../db/client';
import { createSettingsStore } from '../db/settings-store';
import { createApp } from './app';
import { createEngine } from './engine';
import { getAccountRow } from './queries/account-states';
import { createRelay } from './intake/relay';
import { createNotificationHub } from './streams/notifications';
import type { HealthChecks } from './routes/health';

export interface ApiWiring {
  config: Config;
  database: Database;
  log: Logger;
  /** Handlers the worker registers beyond the built-in ones, so the API accepts their tasks. */
  extraHandlers?: TaskHandler[];
}

/** How long one health check's call to Temporal may take. */
const HEALTH_CALL_MS = 2500;

export async function buildApi(w: ApiWiring) {
  const { config, database, log } = w;
  // Lazy: the API starts (and /health says why it is not ready) while Temporal is still coming up.
  const connection = Connection.lazy({ address: config.temporalAddress });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const settings = createSettingsStore(database.db, defaultSettings(config));
  const engine = createEngine({
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    settings,
    submitWaitTimeoutMs: config.SUBMIT_WAIT_TIMEOUT_MS,
    suspension: async (accountId) => {
      const row = await getAccountRow(database.db, accountId);
      return row?.state === 'SUSPENDED' ? { reason: row.suspendedReason ?? 'suspended', atMs: row.updatedAt.getTime() } : null;
    },
    workflowOptions: {
      idleTimeoutMs: config.ACCOUNT_IDLE_TIMEOUT_MS,
      continueAsNewAfterTasks: config.CONTINUE_AS_NEW_AFTER_TASKS,
      heartbeatTimeoutMs: config.TASK_HEARTBEAT_TIMEOUT_MS,
      runMaxTasks: config.RUN_MAX_TASKS,
      runWindowMs: config.RUN_WINDOW_MS,
    },
  });
  /** Workers polling the task queue for one kind of task (identities seen polling within the last minute). */
  const pollers = async (kind: proto.temporal.api.enums.v1.TaskQueueType) => {
    const answer = await connection.withDeadline(Date.now() + HEALTH_CALL_MS, () => connection.workflowService.describeTaskQueue({
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: { name: config.TEMPORAL_TASK_QUEUE },
      taskQueueType: kind,
    }));
    return answer.pollers?.length ?? 0;
  };
  const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = proto.temporal.api.enums.v1.TaskQueueType;
  const health: HealthChecks = {
    temporal: async () => {
      // A deadline, so a check never outlives its answer (or the connection, at shutdown).
      await connection.withDeadline(Date.now() + HEALTH_CALL_MS, () => connection.workflowService.getSystemInfo({}));
      return { ok: true };
    },
    postgres: async () => {
      await database.execute('select 1');
      return { ok: true, detail: database.kind };
    },
    workers: async () => {
      const n = await pollers(TASK_QUEUE_TYPE_WORKFLOW);
      return { ok: n > 0, detail: `${n} worker(s) polling ${config.TEMPORAL_TASK_QUEUE}` };
    },
    workerPollers: async () => {
      const [workflow, activity] = await Promise.all([pollers(TASK_QUEUE_TYPE_WORKFLOW), pollers(TASK_QUEUE_TYPE_ACTIVITY)]);
      return { workflow, activity };
    },
  };
  let signalsBeforeKill = config.FAULT_RELAY_KILL_AFTER_SIGNALS;
  const relay = createRelay({
    database,
    deliver: (accountId, request, suspended) => engine.deliver(accountId, request, suspended),
    log,
    pollMs: config.RELAY_POLL_MS,
    concurrency: config.RELAY_CONCURRENCY,
    window: config.RELAY_WINDOW,
    ...(signalsBeforeKill === undefined ? {} : {
      afterSignal: () => {
        signalsBeforeKill! -= 1;
        if (signalsBeforeKill! <= 0) process.kill(process.pid, 'SIGKILL'); // the fault run's "died between signal and mark"
      },
    }),
  });
  relay.start();
  const handlers = createHandlerRegistry({ demoHandlers: config.DEMO_HANDLERS, webhookUrl: config.WEBHOOK_URL }, w.extraHandlers);
  const notifications = createNotificationHub(database, log);
  const app = createApp({ config, database, engine, relay, handlers, settings, log, health, notifications });
  return {
    app,
    engine,
    relay,
    client,
    /** Ends every open event stream; call it before closing the HTTP server, whose close() waits for them. */
    closeStreams: () => notifications.close(),
    async close() {
      await relay.stop();
      await notifications.close();
      await connection.close();
    },
  };
}
