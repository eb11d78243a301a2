/**
 * The API as `npm run api` wires it, on a database of its own and without a Temporal server (the address
 * refuses connections; the engine's connection is lazy), for tests of the HTTP edge: limits, auth, health,
 * settings, event streams.
 */
import { listen, type Listening } from '../../api/listen';
import { buildApi } from '../../api/wiring';
import { loadConfig, type Config } from '../../config/env';
import { createLogger } from '../../config/logger';
import { enforceContract } from '../helpers/contract';
import { openTestDatabase, type DriverKind, type TestDatabase } from '../helpers/database';

export const NO_TEMPORAL = '127.0.0.1:1';

export interface AppFixture {
  config: Config;
  db: TestDatabase;
  app: Awaited<ReturnType<typeof buildApi>>['app'];
  listen(): Promise<Listening>;
  close(): Promise<void>;
}

export async function startApp(opts: { env?: Record<string, string>; driver?: DriverKind } = {}): Promise<AppFixture> {
  const db = await openTestDatabase(opts.driver ?? 'pglite');
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    TEMPORAL_ADDRESS: NO_TEMPORAL,
    BATON_DATA_DIR: db.dataDir,
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    ...opts.env,
  });
  const api = await buildApi({ config, database: db.database, log: createLogger(config.LOG_LEVEL, 'test') });
  enforceContract(api.app); // every answer, over app.request() and real HTTP, is checked against the OpenAPI document
  let http: Listening | null = null;
  return {
    config,
    db,
    app: api.app,
    async listen() {
      http ??= await listen(api.app.fetch, '127.0.0.1', 0);
      return http;
    },
    async close() {
      await api.closeStreams();
      await http?.close();
      await api.close();
      await db.cleanup();
    },
  };
}
