/**
 * Opens Baton's database: Postgres through node-postgres when a URL is given, otherwise an embedded PGlite
 * database in `<dataDir>/pglite`, so that `npm start` works on a machine without a database server.
 * PGlite lives inside one process: the all-in-one `npm start` shares it between worker and API; separate
 * `npm run worker` / `npm run api` processes need DATABASE_URL.
 *
 * Why node-postgres and not postgres.js: the fault run stops Postgres under load, and postgres.js 3.4.x
 * then threw from a timer outside any promise and kept connections that failed every query after a 30 s
 * connect timeout long after the server was back (porsager/postgres #1066, #1154, #1193, #1208; the
 * reproduction is test/chaos/postgres-outage-probe.ts). node-postgres' pool drops a broken client and
 * opens a new one on the next checkout, which is the behaviour a worker needs.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import type { Assume } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { Logger } from '../config/logger';
import * as schema from './schema';

/**
 * What `db.execute` answers on either driver: node-postgres' `QueryResult` and PGlite's `Results` both
 * carry the rows, so `db.execute<Row>(query)` is typed the same whichever driver runs it.
 */
export interface QueryResultHKT extends PgQueryResultHKT {
  type: QueryRows<Assume<this['row'], Record<string, unknown>>>;
}
export interface QueryRows<Row> {
  rows: Row[];
}

export type Db = PgDatabase<QueryResultHKT, typeof schema>;
/** A transaction opened by `db.transaction`. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Where a write may go: straight to the database or inside a transaction. */
export type Writer = Db | Tx;

/** A plain parameterised statement ($1, $2, ...) on one connection; answers its rows. */
export type Query = <R>(text: string, params?: unknown[]) => Promise<R[]>;

/** Stops listening; resolves once the channels are released. */
export type Unlisten = () => Promise<void>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** The schema the tables live in when not `public` (tests isolate themselves in one each). */
  schema: string | null;
  /** Runs a raw statement (health checks, test set-up). */
  execute(sqlText: string): Promise<unknown>;
  /** Runs `fn` while holding a Postgres advisory lock on one dedicated connection. */
  withLock<T>(lockId: number, fn: () => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one connection of its own while this session holds the advisory lock (`space`, `name`),
   * or does nothing when another session holds it. The lock is a session's, not a transaction's: `fn` may
   * wait on other services without keeping a transaction open, and a process that dies lets it go.
   */
  tryWithLock<T>(space: number, name: string, fn: (query: Query) => Promise<T>): Promise<{ locked: true; value: T } | { locked: false }>;
  /**
   * LISTENs on `channels`; `onPayload` gets each notification. After a lost connection it listens again
   * and calls `onRelisten`, since notifications sent meanwhile are gone. Resolves once listening.
   */
  listen(channels: string[], onPayload: (channel: string, payload: string) => void, onRelisten: () => void): Promise<Unlisten>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url?: string | undefined;
  dataDir: string;
  /** Pool size. (Default: 10) */
  poolSize?: number;
  /** A schema to use instead of `public` (tests isolate themselves this way). */
  searchPath?: string;
  /** Where connection errors the pool recovers from by itself (a restarted server) are logged. */
  log?: Pick<Logger, 'warn'>;
  /** PGlite's shared_buffers in MB. (Default: 16) */
  pgliteSharedBuffersMb?: number;
}

/** Connections of the pool that session advisory locks (`tryWithLock`) use, beside the main pool. */
const LOCK_POOL_SIZE = 8;
/** How long a query waits for a connection (pool full or server down) before it fails. */
const CONNECT_TIMEOUT_MS = 10_000;
const RELISTEN_DELAYS_MS = [250, 500, 1000, 2000, 5000];

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPglite(options);
}

/** `?search_path=x` in the URL selects a schema (tests hand one to child processes this way). */
function splitUrl(url: string, searchPath: string | undefined): { connectionString: string; schemaName: string | null } {
  const parsed = new URL(url);
  const fromUrl = parsed.searchParams.get('search_path');
  parsed.searchParams.delete('search_path');
  return { connectionString: parsed.toString(), schemaName: searchPath ?? fromUrl };
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const { connectionString, schemaName } = splitUrl(url, options.searchPath);
  const clientConfig: pg.ClientConfig = {
    connectionString,
    keepAlive: true,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(schemaName ? { options: `-c search_path=${quoteOption(schemaName)}` } : {}),
  };
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize ?? 10, idleTimeoutMillis: 30_000 });
  const onError = (err: Error) => options.log?.warn({ err: err.message }, 'database connection lost; the pool reconnects');
  // A client whose server goes away emits 'error'; unhandled, it would end the process. Every client gets
  // a listener when it connects, since a checked-out one (inside a transaction, between two queries) has
  // no other: its next query then fails, and the pool drops it on release. The pool re-emits an idle
  // client's error too; that one is already logged by the client's listener.
  pool.on('connect', (client) => client.on('error', onError));
  pool.on('error', () => {});
  const db = drizzlePostgres({ client: pool, schema, casing: 'snake_case' }) as unknown as Db;
  const listeners = new Set<() => Promise<void>>();
  let lockPool: pg.Pool | null = null;
  const createLockPool = () => {
    const p = new pg.Pool({ ...clientConfig, max: LOCK_POOL_SIZE, idleTimeoutMillis: 30_000 });
    p.on('connect', (client) => client.on('error', onError));
    p.on('error', () => {});
    return p;
  };

  return {
    db,
    kind: 'postgres',
    schema: schemaName,
    execute: (text) => pool.query(text),
    withLock: async (lockId, fn) => {
      // Advisory locks belong to a session: take and release it on the same checked-out client.
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [lockId]);
        try {
          return await fn();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [lockId]);
        }
      } finally {
        client.release();
      }
    },
    tryWithLock: async (space, name, fn) => {
      // Its own pool: a lock holder may wait on another service, and must not take the connections
      // requests need (its size bounds how many locks this process holds at once).
      lockPool ??= createLockPool();
      const client = await lockPool.connect();
      let broken: Error | undefined;
      try {
        const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS ok', [space, name]);
        if (!got.rows[0]?.ok) return { locked: false };
        try {
          const query: Query = async <R>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as R[];
          return { locked: true, value: await fn(query) };
        } finally {
          await client.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [space, name]);
        }
      } catch (err) {
        broken = err as Error; // a client that failed mid-way may still hold the lock: never pool it again
        throw err;
      } finally {
        client.release(broken);
      }
    },
    listen: async (channels, onPayload, onRelisten) => {
      const stop = await listenWithReconnect(clientConfig, channels, onPayload, onRelisten, onError);
      const unlisten = async () => {
        listeners.delete(unlisten);
        await stop();
      };
      listeners.add(unlisten);
      return unlisten;
    },
    close: async () => {
      await Promise.all([...listeners].map((u) => u()));
      await lockPool?.end();
      await pool.end();
    },
  };
}

/** A `-c name=value` option value: spaces and backslashes escaped as libpq expects. */
function quoteOption(value: string): string {
  return value.replace(/[\\ ]/g, (c) => `\\${c}`);
}

/**
 * One dedicated connection for LISTEN (a pooled one would be handed to queries). When it drops, a new one
 * is opened with growing delays until it listens again.
 */
async function listenWithReconnect(
  config: pg.ClientConfig,
  channels: string[],
  onPayload: (channel: string, payload: string) => void,
  onRelisten: () => void,
  onError: (err: Error) => void,
): Promise<Unlisten> {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new pg.Client(config);
    c.on('notification', (n) => onPayload(n.channel, n.payload ?? ''));
    c.on('error', (err) => {
      onError(err);
      lost(c);
    });
    c.on('end', () => lost(c));
    try {
      await c.connect();
      for (const channel of channels) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      c.removeAllListeners('end');
      await c.end().catch(() => {});
      throw err;
    }
    if (stopped) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
  };

  const lost = (c: pg.Client) => {
    if (client !== c || stopped) return;
    client = null;
    c.removeAllListeners('end');
    c.end().catch(() => {});
    let attempt = 0;
    const again = () => {
      retry = undefined;
      if (stopped) return;
      connect().then(onRelisten, (err: Error) => {
        onError(err);
        attempt += 1;
        retry = setTimeout(again, RELISTEN_DELAYS_MS[Math.min(attempt, RELISTEN_DELAYS_MS.length - 1)]);
      });
    };
    retry = setTimeout(again, RELISTEN_DELAYS_MS[0]);
  };

  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const c = client;
    client = null;
    if (c) {
      c.removeAllListeners('end');
      await c.end().catch(() => {});
    }
  };
}

/**
 * PGlite's memory. Postgres zeroes its shared buffers at start, so all of shared_buffers is resident from
 * the first query: PGlite's default of 128 MB made half of `npm start`'s database memory. The embedded
 * database's files are read through the OS's page cache anyway, so 16 MB costs little (measured in
 * bench/README.md).
 */
const PGLITE_SHARED_BUFFERS_MB = 16;

/**
 * A new PGlite directory is initialised (initdb) by a short-lived child process: initdb's WebAssembly
 * instance is garbage once it ends, but in this process it stayed resident (about 200 MB) until a major
 * collection, which a quiet process may never run.
 */
async function initPgliteInChild(dir: string): Promise<void> {
  const pglite = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')).href;
  const script = `const { PGlite } = await import(${JSON.stringify(pglite)}); const db = await PGlite.create(process.argv[1]); await db.close();`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script, dir]);
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  const dir = resolve(join(options.dataDir, 'pglite'));
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'PG_VERSION'))) await initPgliteInChild(dir);
  const sharedBuffersMb = options.pgliteSharedBuffersMb ?? PGLITE_SHARED_BUFFERS_MB;
  const client = await PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffersMb}MB`] });
  if (options.searchPath) {
    await client.exec(`CREATE SCHEMA IF NOT EXISTS "${options.searchPath}"; SET search_path TO "${options.searchPath}"`);
  }
  const db = drizzlePglite(client, { schema, casing: 'snake_case' }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    schema: options.searchPath ?? null,
    execute: (text) => client.exec(text),
    withLock: (_lockId, fn) => fn(), // one process owns a PGlite database
    tryWithLock: async (_space, _name, fn) => ({
      locked: true,
      value: await fn(async <R>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as R[]),
    }),
    listen: async (channels, onPayload) => {
      // In-process: no connection to lose, so no re-listen.
      const unlistens = await Promise.all(channels.map((ch) => client.listen(ch, (payload) => onPayload(ch, payload))));
      return async () => {
        await Promise.all(unlistens.map((u) => u()));
      };
    },
    close: () => client.close(),
  };
}
