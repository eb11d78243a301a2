/**
 * Per-client token buckets: each API key (or, without keys, each remote address) may make `ratePerSecond`
 * requests a second with bursts up to `burst`. Over that the API answers 429 with Retry-After. Buckets live
 * in this process: with several API instances each enforces the limit on its own share of traffic.
 */
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { ApiError } from './errors';

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 50_000;

export function rateLimit(ratePerSecond: number, burst: number, isExempt: (path: string) => boolean): MiddlewareHandler {
  const buckets = new Map<string, Bucket>();
  return async (c, next) => {
    if (ratePerSecond <= 0 || isExempt(c.req.path)) return next();
    const auth = c.req.header('authorization');
    let client: string;
    if (auth) {
      // Keyed by a digest so the map never holds a credential.
      client = `k:${createHash('sha256').update(auth).digest('base64url').slice(0, 22)}`;
    } else {
      let address = 'unknown';
      try {
        address = getConnInfo(c).remote.address ?? 'unknown';
      } catch {
        // app.request() in tests has no socket
      }
      client = `a:${address}`;
    }
    const now = Date.now();
    let bucket = buckets.get(client);
    if (!bucket) {
      // Forget everyone at once rather than grow without bound under a flood of distinct clients.
      if (buckets.size >= MAX_BUCKETS) buckets.clear();
      bucket = { tokens: burst, at: now };
      buckets.set(client, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
    bucket.at = now;
    if (bucket.tokens < 1) {
      const waitSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond));
      throw new ApiError(429, 'rate_limited', `too many requests: at most ${ratePerSecond} a second (bursts of ${burst})`,
        { retryAfterSeconds: waitSeconds }, { 'Retry-After': String(waitSeconds) });
    }
    bucket.tokens -= 1;
    return next();
  };
}
