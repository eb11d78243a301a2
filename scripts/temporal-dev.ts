/**
 * `npm run temporal`: the Temporal dev server alone, for running `npm run worker` and `npm run api` as
 * separate processes against it. State lives in `<BATON_DATA_DIR>/temporal.sqlite`, so workflows survive a
 * restart. Stops the server and exits 0 on SIGINT/SIGTERM; exits 1 if the server dies on its own.
 */
import path from 'node:path';
import { loadConfigOrExit } from '../config/env';
import { findOrBuildTemporalCli, startDevServer } from './temporal-cli';

const log = (msg: string) => console.error(msg);

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const cli = await findOrBuildTemporalCli(log);
  const dbFile = path.resolve(config.BATON_DATA_DIR, 'temporal.sqlite');

  let shuttingDown = false;
  // Signal handlers are installed in the same tick, before the server can exist.
  const starting = startDevServer({
    cli,
    port: config.TEMPORAL_PORT,
    uiPort: config.TEMPORAL_UI_PORT,
    dbFile,
    namespace: config.TEMPORAL_NAMESPACE,
    log,
    onStderr: (line) => {
      // The server logs at warn level; show its errors, not the routine warnings nor the
      // "context canceled" errors it logs while stopping.
      if (!shuttingDown && /level=(ERROR|FATAL)|panic/i.test(line)) log(`[temporal] ${line}`);
    },
  });
  const shutdown = async (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      log(`${signal} again: exiting now.`);
      process.exit(1);
    }
    shuttingDown = true;
    log(`${signal}: stopping the Temporal dev server...`);
    // A signal during startup waits for the start to finish (or fail), then stops the server cleanly.
    const server = await starting.catch(() => undefined);
    await server?.stop();
    log('Temporal dev server stopped.');
    process.exit(0);
  };
  process.on('SIGINT', (s) => void shutdown(s));
  process.on('SIGTERM', (s) => void shutdown(s));

  const server = await starting;
  if (shuttingDown) return; // shutdown() stops it and exits.

  console.log(`Temporal dev server running (pid ${server.pid})`);
  console.log(`  address:   ${server.address}`);
  console.log(`  namespace: ${config.TEMPORAL_NAMESPACE}`);
  console.log(`  Web UI:    ${server.uiUrl}`);
  console.log(`  state:     ${dbFile}`);
  if (config.temporalAddress !== server.address) {
    log(
      `Note: TEMPORAL_ADDRESS is ${config.temporalAddress}; workers and the API started with it will not use this server.`,
    );
  }
  console.log('Press Ctrl-C to stop.');

  const { code, signal } = await server.exited;
  if (!shuttingDown) {
    console.error(
      `Temporal dev server exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}). Last output:\n` +
        (server.stderrTail() || '(none)'),
    );
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
