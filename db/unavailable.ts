/**
 * Whether an error means Postgres could not be reached (down, restarting, out of connections), as opposed
 * to a refusal of the statement itself. The API answers such errors 503; a task's activity reports them
 * as `ledger_unavailable`, which the workflow does not count against the task.
 */
// Socket errors, and SQLSTATEs of a server shutting down, starting up or out of connections.
const DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300']);
// node-postgres reports a lost or unobtainable connection with these messages and no code.
const DOWN_MESSAGE = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable)/;

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    // SQLSTATE class 08: connection exceptions.
    if (typeof code === 'string' && (DOWN_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    if (e instanceof Error && DOWN_MESSAGE.test(e.message)) return true;
  }
  return false;
}
