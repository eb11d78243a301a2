/**
 * An uncaught exception ends a Baton process, but only after the log says what it was: a worker or API
 * that vanishes without a line is the silent stall our users cannot afford.
 */
import type { Logger } from './logger';

export function guardProcess(log: Logger): void {
  process.on('uncaughtException', (err) => {
    log.fatal({ err: { name: err.name, message: err.message, stack: err.stack } }, 'uncaught exception');
    process.exit(1);
  });
}
