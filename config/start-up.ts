/**
 * What every entry point (`npm run api`, `npm run worker`, `npm start`) does before its own work: read the
 * configuration once, make the logger, guard the process, refuse an open bind without keys, open and
 * migrate the ledger. One place, so the three cannot drift apart.
 */
import { isLoopback } from '../api/http/loopback';
import { openDatabase, type Database } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { loadConfigOrExit, type Config } from './env';
import { createLogger, redactUrl, type Logger } from './logger';
import { guardProcess } from './process-guards';

export interface Started {
  config: Config;
  log: Logger;
}

/** Configuration (with `defaults` under the environment), a logger named `name`, and the uncaught-exception guard. */
export function startProcess(name: string, defaults: Record<string, string> = {}): Started {
  const config = loadConfigOrExit(defaults);
  const log = createLogger(config.LOG_LEVEL, name);
  guardProcess(log);
  return { config, log };
}

/** An API reachable beyond this machine must ask for a key: stop before listening otherwise. */
export function refuseOpenBindWithoutKeys({ config, log }: Started): void {
  if (!isLoopback(config.HOST) && config.API_KEYS.length === 0) {
    log.fatal({ host: config.HOST }, 'refusing to listen on a non-loopback address without API_KEYS');
    process.exit(1);
  }
}

/** Where the ledger is, fit for a log line (no password). */
export function ledgerName(config: Config): string {
  return config.DATABASE_URL ? redactUrl(config.DATABASE_URL) : 'pglite';
}

/** Opens the ledger (Postgres at DATABASE_URL, else the embedded PGlite) and applies pending migrations. */
export async function openLedger({ config, log }: Started): Promise<Database> {
  if (!config.DATABASE_URL) {
    log.warn('DATABASE_URL is unset: using the embedded PGlite database, which only this process can open');
  }
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.BATON_DATA_DIR, log });
  await migrateDatabase(database);
  return database;
}

/** Runs `stop` on the first SIGTERM or SIGINT. */
export function onStopSignal(log: Logger, message: string, stop: (signal: NodeJS.Signals) => void): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, message);
      stop(signal);
    });
  }
}
