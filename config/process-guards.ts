/**
 * Keeps a Baton process alive through one known library fault. postgres.js (3.4.x) can schedule a
 * buffered write with setImmediate and run it after its socket was torn down by a lost connection
 * (Postgres restarting): `socket.write` then throws a TypeError outside any promise, which would end
 * the process. The query it belonged to has already failed with CONNECTION_CLOSED and is retried by
 * its caller, so this one error is logged and ignored; any other uncaught error still ends the process.
 */
import type { Logger } from './logger';

function isPostgresWriteAfterClose(err: unknown): boolean {
  return err instanceof TypeError
    && /reading 'write'/.test(err.message)
    && /postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? '');
}

export function guardProcess(log: Logger): void {
  process.on('uncaughtException', (err) => {
    if (isPostgresWriteAfterClose(err)) {
      log.warn({ err: err.message }, 'postgres.js wrote to a closed connection after losing Postgres; ignored');
      return;
    }
    log.fatal({ err: { name: err.name, message: err.message, stack: err.stack } }, 'uncaught exception');
    process.exit(1);
  });
}
