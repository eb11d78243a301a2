/**
 * A PostgreSQL cluster of a test run's own: initdb into a temporary directory (trust auth), a free port on
 * 127.0.0.1, its socket in that directory. The fault run (test/chaos/) stops and starts it at will without
 * touching the machine's shared server on 5432; `npm test` starts one when no server is running (see
 * global-postgres.ts). As root, initdb and pg_ctl run as the `postgres` user (PostgreSQL refuses to run as
 * root). The postmaster is stopped by its pid file (pg_ctl stop) at the end, also on failure; if the process
 * exits without destroy(), an exit hook stops it and removes the directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface PrivatePostgres {
  url: string;
  port: number;
  dir: string;
  /** The postmaster's pid while it runs (from postmaster.pid). */
  pid(): Promise<number | null>;
  /** pg_ctl stop: `fast` disconnects clients and shuts down cleanly, `immediate` is a crash of the server. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster (if running) and deletes its directory. Safe to call more than once. */
  destroy(): Promise<void>;
  /** The last lines of the server log. */
  logTail(lines?: number): Promise<string>;
}

const hasServerBinaries = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));

/**
 * The directory holding initdb and pg_ctl, or null if there is none: $PG_BIN; else the first that has both
 * of `pg_config --bindir`, /usr/lib/postgresql/<version>/bin (newest version first; PG_VERSIONS_DIR
 * replaces /usr/lib/postgresql, to test the search) and the directories on PATH.
 */
export function locatePostgresBin(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.PG_BIN) return env.PG_BIN;
  const candidates: string[] = [];
  // No shell: pg_config straight from PATH (a missing one is an ENOENT error, no stdout).
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8', env, timeout: 10_000 });
  if (pgConfig.status === 0 && pgConfig.stdout.trim()) candidates.push(pgConfig.stdout.trim());
  const base = env.PG_VERSIONS_DIR ?? '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    candidates.push(...versions.map((v) => join(base, v, 'bin')));
  }
  candidates.push(...(env.PATH ?? '').split(delimiter).filter(Boolean));
  return candidates.find(hasServerBinaries) ?? null;
}

/** locatePostgresBin, or an error saying what to install. */
export function findPostgresBin(): string {
  const bin = locatePostgresBin();
  if (!bin) throw new Error('no PostgreSQL server binaries (initdb, pg_ctl): install PostgreSQL (Debian: apt-get install postgresql) or set PG_BIN to their directory');
  return bin;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** The command line that runs `bin` as the postgres user when we are root, as ourselves otherwise. */
function asPostgres(bin: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

function run(bin: string, args: string[], timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const [cmd, argv] = asPostgres(bin, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // 'exit', not 'close': the postmaster pg_ctl forks must not keep us waiting on shared pipes.
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function ownerIds(user: string): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`no user ${user} on this machine (needed to run PostgreSQL as root)`);
  return { uid, gid };
}

export async function startPrivatePostgres(
  port: number,
  log: (msg: string) => void = () => {},
  bin: string = findPostgresBin(),
): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-pg-'));
  if (isRoot()) {
    const { uid, gid } = ownerIds('postgres');
    await chown(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const init = await run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  if (init.code !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${init.code}):\n${init.output}`);
  }
  // fsync off: a crash of the server process (all this run does) loses nothing, the machine's disks are spared.
  const serverOptions = [
    `-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c full_page_writes=off',
    '-c max_connections=200', '-c shared_buffers=64MB',
  ].join(' ');
  let running = false;
  let destroyed = false;

  const emergencyStop = () => {
    if (running) {
      const [cmd, argv] = asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', '-t', '10', 'stop']);
      spawnSync(cmd, argv, { stdio: 'ignore', timeout: 15_000 });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', emergencyStop);

  const pg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    async pid() {
      try {
        const first = (await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0];
        const pid = Number(first);
        return Number.isInteger(pid) && pid > 0 ? pid : null;
      } catch {
        return null;
      }
    },
    async start() {
      const r = await run(join(bin, 'pg_ctl'), ['-D', data, '-o', serverOptions, '-l', logFile, '-w', '-t', '60', 'start']);
      if (r.code !== 0) throw new Error(`pg_ctl start failed (exit ${r.code}):\n${r.output}\n${await pg.logTail()}`);
      running = true;
      log(`private PostgreSQL on 127.0.0.1:${port} (pid ${await pg.pid()}, ${data})`);
    },
    async stop(mode = 'fast') {
      const r = await run(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
      if (r.code !== 0) {
        // Not running any more, or pg_ctl could not stop it: signal the postmaster by its pid.
        const pid = await pg.pid();
        if (pid) {
          try {
            process.kill(pid, 'SIGQUIT');
          } catch {
            // already gone
          }
        }
      }
      running = false;
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      if (running) await pg.stop('immediate');
      process.removeListener('exit', emergencyStop);
      await rm(dir, { recursive: true, force: true });
    },
    async logTail(lines = 30) {
      try {
        return (await readFile(logFile, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '(no log)';
      }
    },
  };
  try {
    await pg.start();
  } catch (err) {
    await pg.destroy();
    throw err;
  }
  return pg;
}
