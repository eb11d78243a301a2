/**
 * `npm run worker`: runs account workflows and their activities until SIGTERM/SIGINT, then drains:
 * it stops polling, lets running tasks finish (up to WORKER_SHUTDOWN_GRACE_MS) and exits.
 */
import { loadConfigOrExit } from '../config/env';
import { guardProcess } from '../config/process-guards';
import { createLogger, redactUrl } from '../config/logger';
import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { createBatonWorker } from './create-worker';
import { createWorkerMetrics, serveMetrics } from './metrics';
import { installTemporalRuntime } from './runtime';

const config = loadConfigOrExit();
const log = createLogger(config.LOG_LEVEL, 'baton-worker');
guardProcess(log);
if (!config.DATABASE_URL) {
  log.warn('DATABASE_URL is unset: using the embedded PGlite database, which only this process can open');
}
installTemporalRuntime(log, config.TEMPORAL_METRICS_PORT ? `${config.METRICS_HOST}:${config.TEMPORAL_METRICS_PORT}` : undefined);
const metrics = createWorkerMetrics();
const metricsServer = config.WORKER_METRICS_PORT
  ? await serveMetrics(metrics.registry, config.METRICS_HOST, config.WORKER_METRICS_PORT)
  : undefined;
const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.BATON_DATA_DIR, log });
await migrateDatabase(database);
const baton = await createBatonWorker({ config, database, log, metrics });
log.info(
  { temporal: config.temporalAddress, taskQueue: config.TEMPORAL_TASK_QUEUE, database: config.DATABASE_URL ? redactUrl(config.DATABASE_URL) : 'pglite' },
  'worker started',
);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'draining: no new tasks; waiting for running ones');
    baton.worker.shutdown();
  });
}
await baton.run();
metricsServer?.close();
await database.close();
log.info('worker stopped');
