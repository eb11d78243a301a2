/**
 * `npm run api`: serves the HTTP API. Binds to 127.0.0.1 unless HOST says otherwise, and refuses a
 * non-loopback address without API_KEYS. Drains on SIGTERM/SIGINT.
 */
import { loadConfigOrExit } from '../config/env';
import { guardProcess } from '../config/process-guards';
import { createLogger, redactUrl } from '../config/logger';
import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { listen } from './listen';
import { isLoopback } from './loopback';
import { buildApi } from './wiring';

const config = loadConfigOrExit();
const log = createLogger(config.LOG_LEVEL, 'baton-api');
guardProcess(log);
if (!isLoopback(config.HOST) && config.API_KEYS.length === 0) {
  log.fatal({ host: config.HOST }, 'refusing to listen on a non-loopback address without API_KEYS');
  process.exit(1);
}
if (!config.DATABASE_URL) {
  log.warn('DATABASE_URL is unset: using the embedded PGlite database, which only this process can open');
}
const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.BATON_DATA_DIR, log });
await migrateDatabase(database);
const api = await buildApi({ config, database, log });
const server = await listen(api.app.fetch, config.HOST, config.PORT);
log.info({ url: server.url, temporal: config.temporalAddress, database: config.DATABASE_URL ? redactUrl(config.DATABASE_URL) : 'pglite', auth: config.API_KEYS.length > 0 }, 'API listening');

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    await api.closeStreams(); // open event streams would hold server.close() forever
    await server.close();
    await api.close();
    await database.close();
    process.exit(0);
  });
}
