/**
 * Opens Baton's database: Postgres through postgres.js when a URL is given, otherwise an embedded PGlite
 * database in `<dataDir>/pglite`, so that `npm start` works on a machine without a database server.
 * PGlite lives inside one process: the all-in-one `npm start` shares it between worker and API; separate
 * `npm run worker` / `npm run api` processes need DATABASE_URL.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** The schema the tables live in when not `public` (tests isolate themselves in one each). */
  schema: string | null;
  /** Runs a raw statement (health checks, test set-up). */
  execute(sqlText: string): Promise<unknown>;
  /** Runs `fn` while holding a Postgres advisory lock on one dedicated connection. */
  withLock<T>(lockId: number, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url?: string | undefined;
  dataDir: string;
  /** postgres.js pool size. (Default: 10) */
  poolSize?: number;
  /** A schema to use instead of `public` (tests isolate themselves this way). */
  searchPath?: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    // postgres.js passes unknown URL parameters to the server, so `?search_path=x` selects a schema.
    const schemaName = options.searchPath ?? new URL(options.url).searchParams.get('search_path');
    const client = postgres(options.url, {
      max: options.poolSize ?? 10,
      onnotice: () => {},
      connection: options.searchPath ? { search_path: options.searchPath } : {},
    });
    const db = drizzlePostgres(client, { schema, casing: 'snake_case' }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      schema: schemaName,
      execute: (text) => client.unsafe(text),
      withLock: async (lockId, fn) => {
        // Advisory locks belong to a session: take and release it on the same reserved connection.
        const conn = await client.reserve();
        try {
          await conn`SELECT pg_advisory_lock(${lockId})`;
          try {
            return await fn();
          } finally {
            await conn`SELECT pg_advisory_unlock(${lockId})`;
          }
        } finally {
          conn.release();
        }
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  const dir = resolve(join(options.dataDir, 'pglite'));
  mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
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
    close: () => client.close(),
  };
}
