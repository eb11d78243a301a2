/**
 * `npm start`: Baton in one process with embedded defaults. Starts the Temporal dev server (unless
 * TEMPORAL_ADDRESS names one), opens the database (PGlite under BATON_DATA_DIR unless DATABASE_URL is
 * set) and applies migrations, then runs the worker and the API side by side. Ctrl-C stops it all:
 * the API stops taking requests, the worker drains, the dev server stops.
 */
import path from 'node:path';
import { listen } from '../api/listen';
import { buildApi } from '../api/wiring';
import { redactUrl } from '../config/logger';
import { openLedger, refuseOpenBindWithoutKeys, startProcess } from '../config/start-up';
import { errorMessage } from '../workflows/error-message';
import { createBatonWorker } from '../worker/create-worker';
import { startWorkerTelemetry } from '../worker/telemetry';
import { findOrBuildTemporalCli, startDevServer, type DevServer } from './temporal-cli';

const started = startProcess('baton', { DEMO_HANDLERS: '1' });
const { config, log } = started;
refuseOpenBindWithoutKeys(started);

let devServer: DevServer | undefined;
const stops: (() => Promise<void>)[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  // Reverse order of start: API, worker, database, dev server.
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'while stopping');
    }
  }
  log.info('stopped');
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log.info({ signal }, stopping ? 'stopping now' : 'stopping: draining the worker, then the dev server');
    void stopAll(0);
  });
}

try {
  if (!config.TEMPORAL_ADDRESS) {
    const cli = await findOrBuildTemporalCli((msg) => log.info(msg));
    devServer = await startDevServer({
      cli,
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFile: path.resolve(config.BATON_DATA_DIR, 'temporal.sqlite'),
      namespace: config.TEMPORAL_NAMESPACE,
      log: (msg) => log.info(msg),
    });
    const server = devServer;
    stops.push(() => server.stop());
    void server.exited.then(({ code, signal }) => {
      if (stopping) return;
      log.fatal({ code, signal, output: server.stderrTail() }, 'the Temporal dev server exited');
      void stopAll(1);
    });
  }

  const telemetry = await startWorkerTelemetry(started);
  stops.push(() => telemetry.close());
  const database = await openLedger(started);
  stops.push(() => database.close());

  const worker = await createBatonWorker({ config, database, log: log.child({ component: 'worker' }), metrics: telemetry.metrics });
  const workerDone = worker.run();
  stops.push(() => worker.shutdown());
  void workerDone.catch((err) => {
    log.fatal({ err: errorMessage(err) }, 'the worker failed');
    void stopAll(1);
  });

  const api = await buildApi({ config, database, log: log.child({ component: 'api' }) });
  stops.push(() => api.close());
  const server = await listen(api.app.fetch, config.HOST, config.PORT);
  stops.push(async () => {
    await api.closeStreams(); // open event streams would hold server.close() forever
    await server.close();
  });

  const ui = devServer?.uiUrl || config.temporalUiUrl;
  console.log(
    [
      '',
      'Baton is running.',
      `  Dashboard:    ${server.url}/`,
      `  API:          ${server.url}/api`,
      `  API docs:     ${server.url}/docs`,
      `  Health:       ${server.url}/health`,
      `  Temporal UI:  ${ui}`,
      `  Temporal:     ${config.temporalAddress}${devServer ? ' (dev server, state in ' + path.resolve(config.BATON_DATA_DIR) + ')' : ''}`,
      `  Database:     ${config.DATABASE_URL ? redactUrl(config.DATABASE_URL) : `embedded PGlite in ${path.resolve(config.BATON_DATA_DIR, 'pglite')}`}`,
      `  Handlers:     ${config.DEMO_HANDLERS ? 'sleep, simulate' : 'sleep'}${config.WEBHOOK_URL ? ', webhook' : ''}`,
      '',
      `Try: curl -X POST ${server.url}/api/accounts/demo/tasks -H 'content-type: application/json' -d '{"type":"sleep","payload":{"ms":2000}}'`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
} catch (err) {
  log.fatal({ err: errorMessage(err) }, 'could not start Baton');
  await stopAll(1);
}
