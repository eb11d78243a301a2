/**
 * Per-caller token buckets (api/http/caller.ts): each API key, and each client address for requests without a
 * valid key (public paths, no keys configured, a wrong key), may make `ratePerSecond` requests a second
 * with bursts up to `burst`. Over that the API answers 429 with Retry-After. Runs after `identify`, so the
 * bucket of a key is found by the key that matched, whatever the spelling of the header.
 *
 * Key buckets are as many as the configured keys and never evicted. Address buckets are bounded: past
 * `maxAddresses` the least recently seen address is forgotten, so a flood of addresses costs only other
 * addresses their history, never a key. Buckets live in this process: with several API instances each
 * enforces the limit on its own share of traffic.
 */
import type { MiddlewareHandler } from 'hono';
import { callerKeyId, clientAddress } from './caller';
import { ApiError } from './errors';

interface Bucket {
  tokens: number;
  at: number;
}

export function rateLimit(ratePerSecond: number, burst: number, opts: { maxAddresses?: number } = {}): MiddlewareHandler {
  const maxAddresses = opts.maxAddresses ?? 50_000;
  const byKey = new Map<string, Bucket>();
  const byAddress = new Map<string, Bucket>();

  const bucketOf = (keyId: string | null, address: string, now: number): Bucket => {
    if (keyId) {
      let bucket = byKey.get(keyId);
      if (!bucket) byKey.set(keyId, (bucket = { tokens: burst, at: now }));
      return bucket;
    }
    let bucket = byAddress.get(address);
    // Re-inserted on every use, so the map's first entry is the least recently seen address.
    if (bucket) byAddress.delete(address);
    else {
      bucket = { tokens: burst, at: now };
      if (byAddress.size >= maxAddresses) byAddress.delete(byAddress.keys().next().value!);
    }
    byAddress.set(address, bucket);
    return bucket;
  };

  return async (c, next) => {
    if (ratePerSecond <= 0) return next();
    const now = Date.now();
    const bucket = bucketOf(callerKeyId(c), clientAddress(c), now);
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
