/**
 * Bearer-key authentication in two steps around the rate limiter: `identify` notes which configured key a
 * request carries (api/http/caller.ts), on every path and without refusing anything; `require` then refuses a
 * request to a non-public path that carries none. Keys are compared as SHA-256 digests in constant time,
 * and only their ids (`key-<n>`) go further.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors';
import { callerKeyId, noteCallerKey } from './caller';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function bearerAuth(keys: string[], isPublic: (path: string) => boolean) {
  const digests = keys.map(digest);
  /** The id of the key in `header` (`Bearer <key>`, scheme in any case, spaces around ignored), or null. */
  const matchKey = (header: string): string | null => {
    const match = /^\s*Bearer\s+(.+)$/i.exec(header);
    const given = match ? digest(match[1]!.trim()) : null;
    // Compare against every key so the time taken does not tell which one nearly matched.
    let found = -1;
    digests.forEach((d, i) => {
      if (given && timingSafeEqual(d, given)) found = i;
    });
    return found >= 0 ? `key-${found + 1}` : null;
  };

  const identify: MiddlewareHandler = async (c, next) => {
    const header = c.req.header('authorization');
    if (digests.length && header) {
      const id = matchKey(header);
      if (id) noteCallerKey(c, id);
    }
    return next();
  };

  const require: MiddlewareHandler = async (c, next) => {
    if (digests.length === 0 || isPublic(c.req.path) || callerKeyId(c)) return next();
    const header = c.req.header('authorization');
    throw new ApiError(401, 'unauthorized', header ? 'the API key is not valid' : 'this API needs `Authorization: Bearer <key>`', null, {
      'WWW-Authenticate': 'Bearer realm="baton"',
    });
  };

  return { identify, require };
}
