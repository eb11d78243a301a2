/**
 * Finds (or builds) the Temporal CLI and runs its dev server (`temporal server start-dev`): the embedded
 * Temporal that `npm start`, `npm run temporal` and the tests use.
 *
 * Environment: this file reads `TEMPORAL_CLI`, `PATH`, `HOME` and `CI` straight from `process.env`
 * instead of going through config/env.ts. They locate tools on this machine (they are not Baton settings,
 * `.ci/run` exports them for us, and the `go` child needs the whole environment anyway: GOPATH, GOPROXY,
 * GOFLAGS, proxies). Putting them in the config schema would make every process validate them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

/** The newest CLI tag `go install` accepts (later tags carry a `replace` directive it refuses). */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export type Log = (msg: string) => void;
const defaultLog: Log = (msg) => console.error(msg);

function homeDir(): string {
  return process.env.HOME || os.homedir();
}

/** Where a CLI built by Baton is kept: `$HOME/.cache/baton/bin/temporal`. */
export function cachedCliPath(): string {
  return path.join(homeDir(), '.cache', 'baton', 'bin', 'temporal');
}

export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const s = await stat(file);
    if (!s.isFile()) return false;
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH, or undefined. */
export async function whichOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Runs a command, forwarding each output line to `log`; resolves with the exit code. */
export function runStreaming(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: Log): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (chunk: Buffer | string, state: { rest: string }) => {
      const lines = (state.rest + chunk.toString()).split('\n');
      state.rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(`  ${line}`);
    };
    const out = { rest: '' };
    const err = { rest: '' };
    child.stdout.on('data', (c: Buffer) => forward(c, out));
    child.stderr.on('data', (c: Buffer) => forward(c, err));
    // `go install` is silent for long stretches while it compiles; say that it is still alive.
    const started = Date.now();
    const heartbeat = setInterval(() => {
      log(`  ... still building (${Math.round((Date.now() - started) / 1000)} s)`);
    }, 30_000);
    child.on('error', (e) => {
      clearInterval(heartbeat);
      reject(e);
    });
    child.on('close', (code) => {
      clearInterval(heartbeat);
      for (const s of [out, err]) if (s.rest.trim()) log(`  ${s.rest}`);
      resolve(code ?? 1);
    });
  });
}

/**
 * The path of a usable Temporal CLI. Order: `$TEMPORAL_CLI` (must exist and be executable), `temporal` on
 * PATH, the cache `$HOME/.cache/baton/bin/temporal`, then a build with `go install` into that cache when
 * `go` is on PATH. Throws an Error explaining the ways to get one otherwise.
 */
export async function findOrBuildTemporalCli(log: Log = defaultLog): Promise<string> {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    const resolved = path.resolve(fromEnv);
    if (await isExecutableFile(resolved)) return resolved;
    throw new Error(
      `TEMPORAL_CLI is set to ${fromEnv}, which is not an executable file. ` +
        'Point it at a Temporal CLI binary or unset it to let Baton find or build one.',
    );
  }

  const onPath = await whichOnPath('temporal');
  if (onPath) return onPath;

  const cached = cachedCliPath();
  if (await isExecutableFile(cached)) return cached;

  const go = await whichOnPath('go');
  if (go) {
    const gobin = path.dirname(cached);
    await mkdir(gobin, { recursive: true });
    log(`Temporal CLI not found; building it with Go (several minutes the first time: about 6 min on 2 cores):`);
    log(`  GOBIN=${gobin} ${go} install ${TEMPORAL_CLI_MODULE}`);
    const started = Date.now();
    const code = await runStreaming(go, ['install', TEMPORAL_CLI_MODULE], { ...process.env, GOBIN: gobin }, log);
    if (code !== 0) {
      throw new Error(
        `\`go install ${TEMPORAL_CLI_MODULE}\` failed with exit code ${code} (output above). ` +
          'Fix the Go build (network access to the Go module proxy is needed) or set TEMPORAL_CLI to an existing binary.',
      );
    }
    if (!(await isExecutableFile(cached))) {
      throw new Error(`\`go install\` succeeded but ${cached} is missing; set TEMPORAL_CLI to the binary it built.`);
    }
    log(`Built ${cached} in ${Math.round((Date.now() - started) / 1000)} s.`);
    return cached;
  }

  throw new Error(
    [
      'No Temporal CLI found. Baton looked at $TEMPORAL_CLI, `temporal` on PATH and ' + cached + '. Any of these fixes it:',
      '  - set TEMPORAL_CLI to the path of a Temporal CLI binary;',
      `  - install Go (https://go.dev/dl/) and rerun: Baton builds the CLI with \`go install ${TEMPORAL_CLI_MODULE}\`` +
        ` into ${path.dirname(cached)};`,
      '  - on a machine with internet access, download the CLI as the Temporal docs describe' +
        ' (https://docs.temporal.io/cli#install) and put `temporal` on PATH.',
      process.env.CI ? '  (CI: .ci/run finds or builds the CLI and exports TEMPORAL_CLI before the tests.)' : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
}

/** A free TCP port on 127.0.0.1 (free when this returns; a race with other processes is possible). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close((err) => (err ? reject(err) : port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const helpCache = new Map<string, string>();
/** `temporal server start-dev --help` of this CLI, to check which flags it knows. */
function startDevHelp(cli: string): string {
  let help = helpCache.get(cli);
  if (help === undefined) {
    const r = spawnSync(cli, ['server', 'start-dev', '--help'], { encoding: 'utf8', timeout: 30_000 });
    help = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    helpCache.set(cli, help);
  }
  return help;
}

export interface DevServerOptions {
  /** Path of the Temporal CLI (from findOrBuildTemporalCli). */
  cli: string;
  /** Frontend gRPC port. */
  port: number;
  /** Web UI port (ignored when `ui` is false). */
  uiPort: number;
  /** SQLite file that keeps the server's state across restarts; its directory is created. */
  dbFile: string;
  /** Namespace created at start (`default` always exists too). */
  namespace: string;
  /** Interface to bind. (Default: 127.0.0.1) */
  ip?: string;
  /** Serve the Web UI. (Default: true) */
  ui?: boolean;
  /** SQLite pragmas as `name=value`. (Default: journal_mode=wal, synchronous=normal) */
  sqlitePragmas?: string[];
  log?: Log;
  /** Receives every line the server writes to stderr (they are kept for error messages either way). */
  onStderr?: (line: string) => void;
}

export interface DevServer {
  pid: number;
  /** Frontend address for clients and workers, host:port. */
  address: string;
  /** Web UI URL; empty when the UI is off. */
  uiUrl: string;
  /** SIGTERM, up to 10 s to finish, then SIGKILL. Safe to call more than once. */
  stop(): Promise<void>;
  /** Settles when the server process exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines the server wrote to stderr. */
  stderrTail(): string;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const TAIL_LINES = 40;

/**
 * The history service reads its task queues at most 20 times a second by default, so every activity
 * completion waited up to 50 ms before the workflow task that follows it was dispatched: 34 of a 48 ms
 * handoff (p50, the bench's step timings). Reading up to 1,000 times a second costs nothing while idle
 * (the readers are woken by new tasks) and lets a cooldown timer or a handoff go out at once.
 */
const LATENCY_DYNAMIC_CONFIG = [
  'history.transferProcessorMaxPollRPS=1000',
  'history.timerProcessorMaxPollRPS=1000',
  'history.visibilityProcessorMaxPollRPS=1000',
];

/**
 * Dynamic config Baton asks for only where the CLI takes it. The first two equal the defaults of the server
 * inside CLI v1.5.1 (Server 1.29.1), where they are recognised keys: stated so that a different
 * `$TEMPORAL_CLI` with other defaults behaves the same; the rest are the latency settings above. An
 * unknown key is ignored by the server; a CLI that rejects one makes the start fail early, and the start is
 * retried once without them.
 */
export const OPTIONAL_DYNAMIC_CONFIG = [
  'frontend.enableUpdateWorkflowExecution=true',
  'frontend.workerVersioningDataAPIs=false',
  ...LATENCY_DYNAMIC_CONFIG,
];

/** Given to every dev server (temporal/dynamicconfig.yaml has it too, for the real server). */
export const REQUIRED_DYNAMIC_CONFIG = 'system.enableActivityEagerExecution=true';

function buildArgs(opts: DevServerOptions, ip: string, ui: boolean, help: string, withOptional: boolean): string[] {
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(opts.port)];
  if (ui) args.push('--ui-port', String(opts.uiPort));
  else if (help.includes('--headless')) args.push('--headless');
  args.push('--db-filename', opts.dbFile, '--namespace', opts.namespace, '--log-level', 'warn');
  // WAL with synchronous=NORMAL: every commit still survives a crash of the server process (the case a
  // dev server meets), without an fsync per history write, which made each task handoff ~80 ms.
  if (help.includes('--sqlite-pragma')) {
    for (const pragma of opts.sqlitePragmas ?? ['journal_mode=wal', 'synchronous=normal']) args.push('--sqlite-pragma', pragma);
  }
  args.push('--dynamic-config-value', REQUIRED_DYNAMIC_CONFIG);
  if (withOptional && help.includes('--dynamic-config-value')) {
    for (const kv of OPTIONAL_DYNAMIC_CONFIG) args.push('--dynamic-config-value', kv);
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  return args;
}

function hostForUrl(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

/** Starts `temporal server start-dev` and resolves once its frontend accepts TCP connections. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const log = opts.log ?? defaultLog;
  const ip = opts.ip ?? '127.0.0.1';
  const ui = opts.ui ?? true;
  const dbFile = path.resolve(opts.dbFile);
  await mkdir(path.dirname(dbFile), { recursive: true });

  if (await canConnect(ip, opts.port, 500)) {
    throw new Error(
      `Port ${opts.port} on ${ip} is already in use, so the Temporal dev server cannot take it. ` +
        'Stop whatever listens there (another `npm run temporal`?) or set TEMPORAL_PORT to another port.',
    );
  }

  const help = startDevHelp(opts.cli);
  try {
    return await launch({ ...opts, dbFile }, ip, ui, help, true, log);
  } catch (err) {
    // A CLI that refuses one of the optional values exits at once naming it: retry without them.
    if (err instanceof EarlyExitError && /dynamic.?config/i.test(err.stderr)) {
      log('Temporal CLI refused the optional dynamic config values; starting without them.');
      return launch({ ...opts, dbFile }, ip, ui, help, false, log);
    }
    throw err;
  }
}

class EarlyExitError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'EarlyExitError';
  }
}

async function launch(
  opts: DevServerOptions,
  ip: string,
  ui: boolean,
  help: string,
  withOptional: boolean,
  log: Log,
): Promise<DevServer> {
  const args = buildArgs(opts, ip, ui, help, withOptional);
  log(`Starting Temporal dev server: ${opts.cli} ${args.join(' ')}`);
  const child: ChildProcess = spawn(opts.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  const tail: string[] = [];
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      opts.onStderr?.(line);
    }
  });
  // The banner on stdout is not needed, but the pipe must be drained.
  child.stdout?.resume();
  const stderrTail = () => [...tail, partial].filter(Boolean).join('\n');

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      process.removeListener('exit', killOnParentExit);
      resolve(exitInfo);
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));

  // A dev server must not outlive the process that started it. The 'exit' event covers process.exit()
  // and a normal end; an entry point that handles SIGINT/SIGTERM should call stop() (temporal-dev.ts does).
  function killOnParentExit() {
    if (!exitInfo) child.kill('SIGKILL');
  }
  process.on('exit', killOnParentExit);

  const pid = child.pid;
  if (pid === undefined) {
    const err = await spawnError;
    process.removeListener('exit', killOnParentExit);
    throw new Error(`Could not run the Temporal CLI at ${opts.cli}: ${err.message}`);
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
        log(`Temporal dev server (pid ${pid}) did not stop within ${STOP_GRACE_MS / 1000} s; killing it.`);
        child.kill('SIGKILL');
        await exited;
      }
    })();
    return stopping;
  };

  // Wait for the frontend port, the server's exit, or the deadline, whichever comes first.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exitInfo) {
      const how = exitInfo.signal ? `signal ${exitInfo.signal}` : `code ${exitInfo.code}`;
      throw new EarlyExitError(
        `Temporal dev server exited before it was ready (${how}). Last output:\n${stderrTail() || '(none)'}`,
        stderrTail(),
      );
    }
    if (await canConnect(ip, opts.port)) {
      if (!exitInfo) break;
      continue;
    }
    if (Date.now() > deadline) {
      const output = stderrTail();
      await stop();
      throw new Error(
        `Temporal dev server did not accept connections on ${ip}:${opts.port} within ${READY_TIMEOUT_MS / 1000} s.` +
          ` Last output:\n${output || '(none)'}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    pid,
    address: `${hostForUrl(ip)}:${opts.port}`,
    uiUrl: ui ? `http://${hostForUrl(ip)}:${opts.uiPort}` : '',
    stop,
    exited,
    stderrTail,
  };
}
