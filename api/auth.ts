/** Bearer-key authentication. Keys are compared as SHA-256 digests in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function bearerAuth(keys: string[], isPublic: (path: string) => boolean): MiddlewareHandler {
  const digests = keys.map(digest);
  return async (c, next) => {
    if (digests.length === 0 || isPublic(c.req.path)) return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const given = match ? digest(match[1]!.trim()) : null;
    // Compare against every key so the time taken does not tell which one nearly matched.
    let ok = false;
    for (const d of digests) if (given && timingSafeEqual(d, given)) ok = true;
    if (!ok) {
      throw new ApiError(401, 'unauthorized', header ? 'the API key is not valid' : 'this API needs `Authorization: Bearer <key>`', null, {
        'WWW-Authenticate': 'Bearer realm="baton"',
      });
    }
    return next();
  };
}
