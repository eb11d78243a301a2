/**
 * `npm run temporal:server`: the real Temporal server (not the CLI's dev server) on PostgreSQL, the shape a
 * production cluster has, without containers. Builds the server and its SQL tool once (cached in
 * `$HOME/.cache/baton/bin`), creates or upgrades the `temporal` and `temporal_visibility` databases on
 * TEMPORAL_DATABASE_URL's server, starts every service in one process with temporal/server.yaml and
 * temporal/dynamicconfig.yaml (frontend on TEMPORAL_PORT, the other ports free, all on 127.0.0.1),
 * registers TEMPORAL_NAMESPACE with Baton's search attributes and prints the address. Then run
 * `npm run worker` and `npm run api` (as many of each as wanted) with TEMPORAL_ADDRESS set to it.
 * Stops the server and exits 0 on SIGINT/SIGTERM; exits 1 if the server dies on its own.
 * `--build-only`: find or build the server, its SQL tool and schema, print where they are, and exit
 * (.ci/run does this before the tests).
 */
import { loadConfigOrExit } from '../config/env';
import { allocatePorts, databasesFromUrl, findOrBuildTemporalServer, prepareDatabases, startTemporalServer, TEMPORAL_SERVER_VERSION } from './temporal-server-lib';

const log = (msg: string) => console.error(msg);

async function main(): Promise<void> {
  if (process.argv.includes('--build-only')) {
    const tools = await findOrBuildTemporalServer(log);
    console.log(`Temporal server ${TEMPORAL_SERVER_VERSION}: ${tools.server}\nSQL tool: ${tools.sqlTool}\nschema: ${tools.schemaDir}`);
    return;
  }
  const config = loadConfigOrExit();
  const tools = await findOrBuildTemporalServer(log);
  const databases = databasesFromUrl(config.TEMPORAL_DATABASE_URL);
  log(`Preparing databases ${databases.name} and ${databases.visibilityName} on ${databases.host}:${databases.port} (user ${databases.user})...`);
  await prepareDatabases(tools, databases, log);
  const ports = await allocatePorts({ frontend: config.TEMPORAL_PORT });

  let shuttingDown = false;
  log(`Starting Temporal server ${TEMPORAL_SERVER_VERSION} (frontend 127.0.0.1:${ports.frontend})...`);
  const starting = startTemporalServer({
    tools,
    databases,
    ports,
    namespace: config.TEMPORAL_NAMESPACE,
    log,
    onOutput: (line) => {
      // The server logs JSON at warn level: show its errors, not the routine warnings nor what it logs
      // while stopping.
      if (!shuttingDown && /"level":"(error|fatal|panic)"|^panic/i.test(line)) log(`[temporal] ${line}`);
    },
  });
  const shutdown = async (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      log(`${signal} again: exiting now.`);
      process.exit(1);
    }
    shuttingDown = true;
    log(`${signal}: stopping the Temporal server...`);
    const server = await starting.catch(() => undefined);
    await server?.stop();
    log('Temporal server stopped.');
    process.exit(0);
  };
  process.on('SIGINT', (s) => void shutdown(s));
  process.on('SIGTERM', (s) => void shutdown(s));

  const server = await starting;
  if (shuttingDown) return;
  console.log(`Temporal server ${TEMPORAL_SERVER_VERSION} running (pid ${server.pid})`);
  console.log(`  address:    ${server.address}`);
  console.log(`  namespace:  ${config.TEMPORAL_NAMESPACE} (search attributes registered)`);
  console.log(`  databases:  ${databases.name}, ${databases.visibilityName} on ${databases.host}:${databases.port}`);
  console.log(`  ports:      ${JSON.stringify(ports)}`);
  console.log(`  Baton:      TEMPORAL_ADDRESS=${server.address} DATABASE_URL=... npm run worker   (and npm run api)`);
  if (config.temporalAddress !== server.address) {
    log(`Note: TEMPORAL_ADDRESS is ${config.temporalAddress}; workers and the API started with it will not use this server.`);
  }
  console.log('Press Ctrl-C to stop.');

  const { code, signal } = await server.exited;
  if (!shuttingDown) {
    console.error(`Temporal server exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}). Last output:\n${server.stderrTail() || '(none)'}`);
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
