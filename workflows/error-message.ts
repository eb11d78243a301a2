/**
 * A failure's message, for logs, ledger rows and answers (never its stack). Plain TypeScript, so the
 * workflow, the activities, the API and the scripts share it.
 */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err) ?? String(err);
}
