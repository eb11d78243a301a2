/**
 * The real Temporal server (scripts/temporal-server-lib.ts) of a test run's own: two databases of its own
 * on a PostgreSQL server (unique names, so runs in parallel do not meet; dropped at stop()), free ports,
 * stopped by pid. Restarted on the same databases and ports, by SIGTERM or by SIGKILL (a crash).
 */
import { randomBytes } from 'node:crypto';
import {
  allocatePorts,
  databasesFromUrl,
  dropDatabases,
  findOrBuildTemporalServer,
  prepareDatabases,
  startTemporalServer,
  type ServerDatabases,
  type ServerPorts,
  type TemporalServer,
} from '../../scripts/temporal-server-lib';

export interface TestTemporalServer {
  address: string;
  server: TemporalServer;
  databases: ServerDatabases;
  ports: ServerPorts;
  /** Stops the server (SIGTERM, or SIGKILL: a crash) and starts it again on the same databases and ports, running `whileDown` in between. */
  restart(signal?: 'SIGTERM' | 'SIGKILL', whileDown?: () => Promise<void>): Promise<void>;
  /** Starts it again after it was stopped or killed outside restart(). */
  start(): Promise<void>;
  /** Stops the server and drops its databases (unless `keepDatabases`). */
  stop(opts?: { keepDatabases?: boolean }): Promise<void>;
}

export interface TestTemporalServerOptions {
  /**
   * A PostgreSQL server to hold the two databases (its path is ignored); the databases are called
   * `<prefix>_<random>` and `<prefix>_<random>_visibility`. (Default: TEMPORAL_TEST_DATABASE_URL, else
   * TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
   */
  postgresUrl?: string;
  prefix?: string;
  namespace?: string;
  log?: (msg: string) => void;
  /** Receives every line the server writes. */
  onOutput?: (line: string) => void;
}

export async function startTestTemporalServer(o: TestTemporalServerOptions = {}): Promise<TestTemporalServer> {
  const log = o.log ?? (() => {});
  const tools = await findOrBuildTemporalServer(log);
  const url = new URL(o.postgresUrl ?? process.env.TEMPORAL_TEST_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${o.prefix ?? 'baton_temporal'}_${randomBytes(4).toString('hex')}`;
  url.search = '';
  const databases = databasesFromUrl(url.toString());
  await prepareDatabases(tools, databases, log);
  const ports = await allocatePorts();
  const namespace = o.namespace ?? 'default';
  const launch = () => startTemporalServer({ tools, databases, ports, namespace, log, onOutput: o.onOutput });
  let server: TemporalServer;
  try {
    server = await launch();
  } catch (err) {
    await dropDatabases(databases).catch(() => {});
    throw err;
  }
  const t: TestTemporalServer = {
    address: server.address,
    server,
    databases,
    ports,
    async restart(signal = 'SIGTERM', whileDown) {
      if (signal === 'SIGKILL') await t.server.kill();
      else await t.server.stop();
      await whileDown?.();
      t.server = await launch();
    },
    async start() {
      t.server = await launch();
    },
    async stop(opts = {}) {
      await t.server.stop();
      if (!opts.keepDatabases) await dropDatabases(databases);
    },
  };
  return t;
}
