/**
 * The rate limiter counts per caller after identification: one bucket per matched API key whatever the
 * spelling of the header, one per client address for everything without a valid key (public paths and
 * wrong keys included), and a flood of addresses never frees a key from its limit.
 */
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerAuth } from '../../api/http/auth';
import { rateLimit } from '../../api/http/rate-limit';
import { handleError } from '../../api/http/errors';
import { createLogger } from '../../config/logger';
import { startApp, type AppFixture } from './app-fixture';

let f: AppFixture;
beforeAll(async () => {
  f = await startApp({ env: { API_KEYS: 'key-a,key-b', API_RATE_LIMIT_RPS: '0.5', API_RATE_LIMIT_BURST: '3' } });
});
afterAll(async () => {
  await f?.close();
});

/** A request from `address` (as the Node server would report it) with optional headers. */
const from = (address: string, path: string, headers: Record<string, string> = {}) =>
  f.app.request(path, { headers }, { incoming: { socket: { remoteAddress: address } } });

describe('rate limit after auth', () => {
  it('gives every spelling of one key the same bucket', async () => {
    const spellings = ['Bearer key-a', 'bearer key-a', 'BEARER   key-a', 'Bearer key-a  ', ' Bearer\tkey-a', 'bEaReR key-a '];
    const statuses = [];
    for (const authorization of spellings) statuses.push((await from('10.0.0.1', '/api/settings', { authorization })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    // Another key has its own bucket, from the same address.
    expect((await from('10.0.0.1', '/api/settings', { authorization: 'Bearer key-b' })).status).toBe(200);
  });

  it('limits callers without a valid key by address: wrong keys, no key and public paths', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await from('10.0.0.2', '/api/settings', { authorization: `Bearer guess-${i}` })).status);
    // Each guess is a different header, yet they share the address's bucket.
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    expect((await from('10.0.0.2', '/health/live')).status).toBe(429);
    // Another address is not affected; its public path counts against it too.
    const health = [];
    for (let i = 0; i < 4; i++) health.push((await from('10.0.0.3', '/health/live')).status);
    expect(health).toEqual([200, 200, 200, 429]);
  });

  it('answers 429 in the error format with Retry-After', async () => {
    let res: Response | null = null;
    for (let i = 0; i < 5; i++) res = await from('10.0.0.4', '/api/settings');
    expect(res!.status).toBe(429);
    expect(Number(res!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await res!.json()).error).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: expect.any(Number) } });
  });

  it('keeps a key limited however many addresses come and go', async () => {
    const app = new Hono();
    app.onError(handleError(createLogger('silent')));
    const auth = bearerAuth(['k1'], () => false);
    app.use('*', auth.identify, rateLimit(0.001, 2, { maxAddresses: 10 }), auth.require);
    app.get('/x', (c) => c.text('ok'));
    const req = (address: string, headers: Record<string, string> = {}) => app.request('/x', { headers }, { incoming: { socket: { remoteAddress: address } } });
    for (let i = 0; i < 2; i++) expect((await req('1.1.1.1', { authorization: 'Bearer k1' })).status).toBe(200);
    expect((await req('1.1.1.1', { authorization: 'Bearer k1' })).status).toBe(429);
    for (let i = 0; i < 100; i++) await req(`2.2.${i}.1`, { authorization: `Bearer other-${i}` });
    expect((await req('1.1.1.1', { authorization: 'Bearer k1' })).status).toBe(429);
    // The address buckets stay bounded and evict the least recently seen: the first flood address starts over.
    expect((await req('2.2.0.1')).status).toBe(401);
  });
});
