/**
 * Who is calling: the id of the API key the request carries (noted by api/http/auth.ts), otherwise the client's
 * address. Rate limits and stream caps count per caller. A key id is `key-<n>`, the key's position in
 * API_KEYS, so that logs and metrics can name it without holding the key.
 */
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

const keyIds = new WeakMap<Context, string>();

export function noteCallerKey(c: Context, keyId: string): void {
  keyIds.set(c, keyId);
}

/** The id of the valid API key the request carries, or null (none, a wrong one, or no keys configured). */
export function callerKeyId(c: Context): string | null {
  return keyIds.get(c) ?? null;
}

export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() without a socket
  }
}

/** `key:<id>` for a caller with a valid key, `address:<ip>` for anyone else. */
export function callerId(c: Context): string {
  const key = callerKeyId(c);
  return key ? `key:${key}` : `address:${clientAddress(c)}`;
}
