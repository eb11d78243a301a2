/**
 * What the ledger may refuse after a task was acknowledged, and how Baton keeps going when it does
 * (invariant 6: a refused fact becomes that task's `failed` status, and the account goes on).
 *
 * - Text Baton writes from what handlers and operators said (error messages, reasons) is made storable:
 *   a NUL or a lone surrogate becomes U+FFFD, so a message never stops a write.
 * - Anything else Postgres refuses as data (SQLSTATE class 22) or as a constraint (class 23), such as a
 *   handler's result holding a NUL, fails the task with code `ledger_refused` and Postgres' reason.
 */
import { replaceUnstorableChars } from '../db/unstorable-text';

export function storableText(s: string): string;
export function storableText(s: string | null): string | null;
export function storableText(s: string | null): string | null {
  return s === null ? null : replaceUnstorableChars(s);
}

export function storableError(e: { code: string; message: string }): { code: string; message: string } {
  return { code: storableText(e.code), message: storableText(e.message) };
}

/** A refusal of the value itself, which trying again would not change (unlike a lost connection). */
export function isDataRefusal(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(22|23)[0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}

export function refusalMessage(err: unknown, what: string): string {
  let reason = 'refused';
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code !== undefined && e instanceof Error) {
      reason = e.message;
      break;
    }
  }
  return storableText(`the ledger could not store ${what}: ${reason}`).slice(0, 2000);
}
