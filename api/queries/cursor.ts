/** Keyset cursors: the last row's sort key, opaque to clients (base64url JSON), checked when it comes back. */
import { ApiError } from '../http/errors';

export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string, shape: ('string' | 'number')[]): (string | number)[] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && parts.length === shape.length && parts.every((p, i) => typeof p === shape[i])) {
      return parts as (string | number)[];
    }
  } catch {
    // fall through to the error below
  }
  throw new ApiError(400, 'invalid_cursor', 'the cursor is not one this API handed out');
}
