/**
 * `npm run worker`: runs account workflows and their activities until SIGTERM/SIGINT, then drains:
 * it stops polling, lets running tasks finish (up to WORKER_SHUTDOWN_GRACE_MS) and exits.
 */
import { ledgerName, onStopSignal, openLedger, startProcess } from '../config/start-up';
import { createBatonWorker } from './create-worker';
import { startWorkerTelemetry } from './telemetry';

const started = startProcess('baton-worker');
const { config, log } = started;
const telemetry = await startWorkerTelemetry(started);
const database = await openLedger(started);
const baton = await createBatonWorker({ config, database, log, metrics: telemetry.metrics });
log.info({ temporal: config.temporalAddress, taskQueue: config.TEMPORAL_TASK_QUEUE, database: ledgerName(config) }, 'worker started');
onStopSignal(log, 'draining: no new tasks; waiting for running ones', () => baton.worker.shutdown());
await baton.run();
await telemetry.close();
await database.close();
log.info('worker stopped');
