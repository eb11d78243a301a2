/**
 * The real Temporal server (go.temporal.io/server) on PostgreSQL, without containers: finds or builds the
 * server and its SQL tool, creates or upgrades its two databases, and starts it with the configuration the
 * project keeps (temporal/server.yaml, temporal/dynamicconfig.yaml). `npm run temporal:server`
 * (scripts/temporal-server.ts), the fault run and the bench use it; test/helpers/temporal-server.ts gives a
 * test one of its own on databases of its own.
 *
 * Environment: like scripts/temporal-cli.ts, this file reads `HOME` and the `go` child's environment from
 * `process.env` (they locate tools on this machine and are not Baton settings). Everything else comes in as
 * options: the entry point takes them from config/env.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { access, cp, mkdir, rename, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { msNumberToTs } from '@temporalio/common/lib/time';
import proto from '@temporalio/proto';
import pg from 'pg';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { canConnect, isExecutableFile, runStreaming, whichOnPath, type Log } from './temporal-cli';

/**
 * The server version Baton runs on: the one inside Temporal CLI v1.5.1 (the dev server), and the
 * temporalio/auto-setup tag in temporal-compose.yml. Keep the three in step.
 */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const MODULE = 'go.temporal.io/server';

const defaultLog: Log = (msg) => console.error(msg);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** The project's configuration of the server: `--root <repo> --config temporal --env server`. */
export const SERVER_CONFIG_DIR = 'temporal';
export const DYNAMIC_CONFIG_FILE = path.join(repoRoot, SERVER_CONFIG_DIR, 'dynamicconfig.yaml');

export interface ServerTools {
  /** The server binary (`temporal-server`). */
  server: string;
  /** The schema tool (`temporal-sql-tool`). */
  sqlTool: string;
  /** schema/postgresql/v12 of the same version: `temporal/versioned` and `visibility/versioned` below it. */
  schemaDir: string;
}

function cacheDir(): string {
  return path.join(process.env.HOME || os.homedir(), '.cache', 'baton');
}

/** Where Baton keeps the server it built: `$HOME/.cache/baton/bin/temporal-server-1.29.1` and the rest. */
export function cachedServerTools(): ServerTools {
  const base = cacheDir();
  return {
    server: path.join(base, 'bin', `temporal-server-${TEMPORAL_SERVER_VERSION}`),
    sqlTool: path.join(base, 'bin', `temporal-sql-tool-${TEMPORAL_SERVER_VERSION}`),
    schemaDir: path.join(base, `temporal-schema-${TEMPORAL_SERVER_VERSION}`, 'postgresql', 'v12'),
  };
}

/**
 * The cached server, SQL tool and schema, built with `go install` (2-3 minutes on 2 cores the first time)
 * and copied from the module's source when missing. Throws saying how to get Go otherwise.
 */
export async function findOrBuildTemporalServer(log: Log = defaultLog): Promise<ServerTools> {
  const tools = cachedServerTools();
  const have = async () =>
    (await isExecutableFile(tools.server)) &&
    (await isExecutableFile(tools.sqlTool)) &&
    (await exists(path.join(tools.schemaDir, 'temporal', 'versioned'))) &&
    (await exists(path.join(tools.schemaDir, 'visibility', 'versioned')));
  if (await have()) return tools;

  const go = await whichOnPath('go');
  if (!go) {
    throw new Error(
      `The Temporal server ${TEMPORAL_SERVER_VERSION} is not in ${path.dirname(tools.server)} and there is no \`go\` on PATH to build it. ` +
        `Install Go (https://go.dev/dl/) and rerun: Baton builds it with \`go install ${MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}\`.`,
    );
  }
  // Installed into a staging directory, then renamed with the version in the name: `go install` calls the
  // binaries `server` and `sql`, names too plain for a shared bin directory.
  const staging = path.join(cacheDir(), `temporal-server-${TEMPORAL_SERVER_VERSION}.build`);
  await mkdir(staging, { recursive: true });
  await mkdir(path.dirname(tools.server), { recursive: true });
  const packages = [`${MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `${MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`];
  log(`Temporal server ${TEMPORAL_SERVER_VERSION} not found; building it with Go (2-3 min the first time on 2 cores):`);
  log(`  GOBIN=${staging} ${go} install ${packages.join(' ')}`);
  const started = Date.now();
  const code = await runStreaming(go, ['install', ...packages], { ...process.env, GOBIN: staging }, log);
  if (code !== 0) throw new Error(`\`go install ${packages.join(' ')}\` failed with exit code ${code} (output above); the Go module proxy must be reachable.`);
  await rename(path.join(staging, 'server'), tools.server);
  await rename(path.join(staging, 'sql'), tools.sqlTool);
  await rm(staging, { recursive: true, force: true });

  // The schema is in the module's source, which `go install` just put in the module cache.
  const download = spawnSync(go, ['mod', 'download', '-json', `${MODULE}@v${TEMPORAL_SERVER_VERSION}`], { encoding: 'utf8', env: process.env, cwd: os.tmpdir() });
  const dir = download.status === 0 ? (JSON.parse(download.stdout) as { Dir?: string }).Dir : undefined;
  if (!dir) throw new Error(`\`go mod download ${MODULE}@v${TEMPORAL_SERVER_VERSION}\` failed: ${download.stderr || download.stdout}`);
  await rm(tools.schemaDir, { recursive: true, force: true });
  await cp(path.join(dir, 'schema', 'postgresql', 'v12'), tools.schemaDir, { recursive: true });
  // The module cache is read-only, and the copy keeps its modes: make it ours, so a later rebuild can replace it.
  spawnSync('chmod', ['-R', 'u+w', tools.schemaDir]);
  log(`Built ${tools.server} and ${tools.sqlTool} in ${Math.round((Date.now() - started) / 1000)} s; schema in ${tools.schemaDir}.`);
  if (!(await have())) throw new Error(`the build finished but ${tools.server}, ${tools.sqlTool} or ${tools.schemaDir} is missing`);
  return tools;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Databases

/** Where Temporal keeps its state: a PostgreSQL server and the names of its two databases. */
export interface ServerDatabases {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The main store (executions, history, task queues, namespaces, cluster membership). */
  name: string;
  /** Advanced visibility (list/count queries, search attributes). */
  visibilityName: string;
}

/**
 * From a connection string: `postgres://user:password@host:port/temporal` names the main database, and the
 * visibility database is `<name>_visibility` (`temporal_visibility` by default, as the compose file has it).
 */
export function databasesFromUrl(url: string): ServerDatabases {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'temporal';
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || 'postgres',
    password: decodeURIComponent(u.password),
    name,
    visibilityName: `${name}_visibility`,
  };
}

function adminUrl(db: ServerDatabases, database: string): string {
  const auth = `${encodeURIComponent(db.user)}${db.password ? `:${encodeURIComponent(db.password)}` : ''}`;
  return `postgres://${auth}@${db.host.includes(':') ? `[${db.host}]` : db.host}:${db.port}/${encodeURIComponent(database)}`;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs the SQL tool on one database; its password goes through SQL_PASSWORD, not the command line. */
async function sqlTool(tools: ServerTools, db: ServerDatabases, database: string, args: string[], log: Log): Promise<void> {
  const argv = ['--plugin', 'postgres12', '--endpoint', db.host, '--port', String(db.port), '--user', db.user, '--database', database, ...args];
  const lines: string[] = [];
  const code = await runStreaming(tools.sqlTool, argv, { ...process.env, SQL_PASSWORD: db.password }, (line) => lines.push(line));
  if (code !== 0) throw new Error(`temporal-sql-tool ${argv.join(' ')} failed (exit ${code}):\n${lines.slice(-20).join('\n')}`);
  log(`  temporal-sql-tool ${args[0]} on ${database}: ok`);
}

/**
 * Creates both databases when missing, sets up their schema when new, and upgrades them to the schema of
 * this server version (update-schema applies only the versions a database does not have yet).
 */
export async function prepareDatabases(tools: ServerTools, db: ServerDatabases, log: Log = defaultLog): Promise<void> {
  const server = adminUrl(db, 'postgres');
  for (const [database, schema] of [[db.name, 'temporal'], [db.visibilityName, 'visibility']] as const) {
    const present = await withClient(server, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1);
    if (!present) {
      await withClient(server, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`));
      log(`  created database ${database}`);
    }
    const versioned = await withClient(adminUrl(db, database), async (c) => (await c.query(`SELECT to_regclass('schema_version') IS NOT NULL AS v`)).rows[0]?.v as boolean);
    if (!versioned) await sqlTool(tools, db, database, ['setup-schema', '-v', '0.0'], log);
    await sqlTool(tools, db, database, ['update-schema', '-d', path.join(tools.schemaDir, schema, 'versioned')], log);
  }
}

/** Drops both databases (a test's own, at its end). Connections the server left are ended first. */
export async function dropDatabases(db: ServerDatabases): Promise<void> {
  await withClient(adminUrl(db, 'postgres'), async (c) => {
    for (const database of [db.name, db.visibilityName]) await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  });
}

// ---------------------------------------------------------------------------------------------------------
// The server process

/** Every port the server listens on, all on 127.0.0.1. */
export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  /** Prometheus metrics (`/metrics`); none when undefined. */
  metrics?: number;
}

/**
 * A free port on 127.0.0.1 below 32768. The server keeps each service's port in its cluster_membership
 * table as a smallint, so a port from the kernel's ephemeral range (32768 and up, what freePort() gets)
 * stops it at start ("value out of range for type smallint").
 */
export async function freeServerPort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.unref();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1');
}
/** Ports this process handed out already: two servers started at once must not both get one. */
const taken = new Set<number>();

/** Free ports (below 32768) for everything but those given (the frontend's is usually given: clients need to know it). */
export async function allocatePorts(given: Partial<ServerPorts> = {}): Promise<ServerPorts> {
  const pick = async (k: keyof ServerPorts) => given[k] ?? (await freeServerPort());
  return {
    frontend: await pick('frontend'),
    frontendHttp: await pick('frontendHttp'),
    frontendMembership: await pick('frontendMembership'),
    history: await pick('history'),
    historyMembership: await pick('historyMembership'),
    matching: await pick('matching'),
    matchingMembership: await pick('matchingMembership'),
    worker: await pick('worker'),
    workerMembership: await pick('workerMembership'),
    ...(given.metrics !== undefined ? { metrics: given.metrics } : {}),
  };
}

export interface ServerOptions {
  tools: ServerTools;
  databases: ServerDatabases;
  ports: ServerPorts;
  /** Registered at start when missing, with Baton's search attributes. */
  namespace: string;
  /** Retention of closed workflows in that namespace. (Default: 72 h, as in temporal-compose.yml) */
  retentionHours?: number;
  /** The server's own log level. (Default: warn) */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  log?: Log;
  /** Every line the server writes (JSON log lines); the last ones are kept for error messages either way. */
  onOutput?: (line: string) => void;
}

/** Shaped like the dev server's handle (scripts/temporal-cli.ts), so a caller can hold either. */
export interface TemporalServer {
  pid: number;
  /** Frontend address for clients and workers, host:port. */
  address: string;
  /** No Web UI comes with the server: empty. */
  uiUrl: string;
  /** SIGTERM, up to 20 s to finish, then SIGKILL. Safe to call more than once. */
  stop(): Promise<void>;
  /** SIGKILL: a crash of the server process. Resolves once it is gone. */
  kill(): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines the server wrote. */
  stderrTail(): string;
}

const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 20_000;
const TAIL_LINES = 60;

function serverEnv(o: ServerOptions): NodeJS.ProcessEnv {
  const { databases: db, ports: p } = o;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_LOG_LEVEL: o.logLevel ?? 'warn',
    TEMPORAL_DB_HOST: db.host,
    TEMPORAL_DB_PORT: String(db.port),
    TEMPORAL_DB_USER: db.user,
    TEMPORAL_DB_PASSWORD: db.password,
    TEMPORAL_DB_NAME: db.name,
    TEMPORAL_VISIBILITY_DB_NAME: db.visibilityName,
    TEMPORAL_DYNAMIC_CONFIG_FILE: DYNAMIC_CONFIG_FILE,
    TEMPORAL_FRONTEND_PORT: String(p.frontend),
    TEMPORAL_FRONTEND_HTTP_PORT: String(p.frontendHttp),
    TEMPORAL_FRONTEND_MEMBERSHIP_PORT: String(p.frontendMembership),
    TEMPORAL_HISTORY_PORT: String(p.history),
    TEMPORAL_HISTORY_MEMBERSHIP_PORT: String(p.historyMembership),
    TEMPORAL_MATCHING_PORT: String(p.matching),
    TEMPORAL_MATCHING_MEMBERSHIP_PORT: String(p.matchingMembership),
    TEMPORAL_WORKER_PORT: String(p.worker),
    TEMPORAL_WORKER_MEMBERSHIP_PORT: String(p.workerMembership),
  };
  if (p.metrics !== undefined) env.TEMPORAL_METRICS_PORT = String(p.metrics);
  else delete env.TEMPORAL_METRICS_PORT;
  return env;
}

/**
 * Starts the server (every service in one process) and resolves once its frontend answers and the
 * namespace exists with Baton's search attributes. The databases must be prepared (prepareDatabases).
 */
export async function startTemporalServer(o: ServerOptions): Promise<TemporalServer> {
  const log = o.log ?? defaultLog;
  const address = `127.0.0.1:${o.ports.frontend}`;
  if (await canConnect('127.0.0.1', o.ports.frontend, 500)) {
    throw new Error(`Port ${o.ports.frontend} on 127.0.0.1 is already in use (a dev server from \`npm run temporal\`?); stop it or choose another frontend port.`);
  }
  const args = ['--root', repoRoot, '--config', SERVER_CONFIG_DIR, '--env', 'server', '--allow-no-auth', 'start'];
  const child: ChildProcess = spawn(o.tools.server, args, { env: serverEnv(o), stdio: ['ignore', 'pipe', 'pipe'] });

  const tail: string[] = [];
  const keep = () => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        // Error lines carry a whole Go stack trace: the message is in the first few hundred characters.
        tail.push(line.length > 600 ? `${line.slice(0, 600)}…` : line);
        if (tail.length > TAIL_LINES) tail.shift();
        o.onOutput?.(line);
      }
    };
  };
  child.stdout?.on('data', keep());
  child.stderr?.on('data', keep());
  const stderrTail = () => tail.join('\n');

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      process.removeListener('exit', killOnParentExit);
      resolve(exitInfo);
    });
  });
  // The server must not outlive the process that started it (entry points call stop() on a signal).
  function killOnParentExit() {
    if (!exitInfo) child.kill('SIGKILL');
  }
  process.on('exit', killOnParentExit);
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
  const pid = child.pid;
  if (pid === undefined) {
    process.removeListener('exit', killOnParentExit);
    throw new Error(`Could not run the Temporal server at ${o.tools.server}: ${(await spawnError).message}`);
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exitInfo) return;
      child.kill('SIGTERM');
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), STOP_GRACE_MS).unref()),
      ]);
      if (timedOut && !exitInfo) {
        log(`Temporal server (pid ${pid}) did not stop within ${STOP_GRACE_MS / 1000} s; killing it.`);
        child.kill('SIGKILL');
        await exited;
      }
    })();
    return stopping;
  };
  const kill = async () => {
    if (!exitInfo) child.kill('SIGKILL');
    await exited;
  };

  try {
    await whenReady(o, address, () => exitInfo, stderrTail);
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid, address, uiUrl: '', stop, kill, exited, stderrTail };
}

/** Frontend up, namespace registered (once), search attributes added (once), and both seen by the frontend. */
async function whenReady(
  o: ServerOptions,
  address: string,
  exitInfo: () => { code: number | null; signal: NodeJS.Signals | null } | undefined,
  stderrTail: () => string,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const check = () => {
    const e = exitInfo();
    if (e) throw new Error(`Temporal server exited before it was ready (${e.signal ? `signal ${e.signal}` : `code ${e.code}`}). Last output:\n${stderrTail() || '(none)'}`);
    if (Date.now() > deadline) throw new Error(`Temporal server not ready on ${address} within ${READY_TIMEOUT_MS / 1000} s. Last output:\n${stderrTail() || '(none)'}`);
  };
  const pause = () => new Promise((r) => setTimeout(r, 250));
  while (!(await canConnect('127.0.0.1', o.ports.frontend))) {
    check();
    await pause();
  }
  let connection: Connection | undefined;
  try {
    // The port opens before the services have joined the ring: retry every call until it answers.
    for (;;) {
      check();
      try {
        connection ??= await Connection.connect({ address, connectTimeout: 5000 });
        await connection.workflowService.getSystemInfo({});
        break;
      } catch {
        await pause();
      }
    }
    const { workflowService, operatorService } = connection;
    const namespace = o.namespace;
    const known = async () => {
      try {
        await workflowService.describeNamespace({ namespace });
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 5) return false; // NOT_FOUND
        throw err;
      }
    };
    for (;;) {
      check();
      try {
        if (await known()) break;
        await workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msNumberToTs((o.retentionHours ?? 72) * 3_600_000) });
        break;
      } catch (err) {
        if ((err as { code?: number }).code === 6) break; // ALREADY_EXISTS: another start registered it
        await pause();
      }
    }
    const types = proto.temporal.api.enums.v1.IndexedValueType;
    const wanted = Object.fromEntries(Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, types[`INDEXED_VALUE_TYPE_${type.toUpperCase()}` as keyof typeof types] as number]));
    for (;;) {
      check();
      try {
        const list = await operatorService.listSearchAttributes({ namespace });
        const have = list.customAttributes ?? {};
        const missing = Object.fromEntries(Object.entries(wanted).filter(([name]) => have[name] === undefined));
        const wrong = Object.entries(wanted).filter(([name, type]) => have[name] !== undefined && have[name] !== type);
        if (wrong.length) throw new Error(`search attribute ${wrong.map(([n]) => n).join(', ')} exists in namespace ${namespace} with another type`);
        if (!Object.keys(missing).length) {
          // The namespace is in every service's cache once a list query on it is served.
          await workflowService.countWorkflowExecutions({ namespace, query: 'AccountState IS NOT NULL' });
          break;
        }
        await operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
      } catch (err) {
        if (String(err).includes('another type')) throw err;
        await pause();
      }
    }
  } finally {
    await connection?.close();
  }
}
