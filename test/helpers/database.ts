/**
 * A database of the test's own: a fresh schema on the real Postgres (TEST_DATABASE_URL, default the
 * machine's local server) or a PGlite directory in a temporary folder. Both are migrated.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../db/client';
import { migrateDatabase } from '../../db/migrate';

export type DriverKind = 'postgres' | 'pglite';

export interface TestDatabase {
  database: Database;
  /** For child processes: DATABASE_URL selecting the same schema (postgres only). */
  url?: string;
  dataDir: string;
  cleanup(): Promise<void>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** One statement on its own short connection: a test may restart Postgres while its schema lives. */
async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

export async function openTestDatabase(kind: DriverKind): Promise<TestDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-db-'));
  if (kind === 'pglite') {
    const database = await openDatabase({ dataDir });
    await migrateDatabase(database);
    return {
      database,
      dataDir,
      async cleanup() {
        await database.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA "${schema}"`);
  const url = `${TEST_DATABASE_URL}${TEST_DATABASE_URL.includes('?') ? '&' : '?'}search_path=${schema}`;
  const database = await openDatabase({ url, dataDir });
  await migrateDatabase(database);
  return {
    database,
    url,
    dataDir,
    async cleanup() {
      await database.close();
      await adminQuery(`DROP SCHEMA "${schema}" CASCADE`);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
