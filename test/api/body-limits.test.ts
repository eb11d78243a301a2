/**
 * Every route that takes a body checks its size before reading it (413 JSON), and a 413 answered before
 * the body was read leaves a keep-alive client able to go on: the connection closes after the answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMITS } from '../../api/http/body-limit';
import { startApp, type AppFixture } from './app-fixture';

let f: AppFixture;
beforeAll(async () => {
  f = await startApp();
});
afterAll(async () => {
  await f?.close();
});

/** A body of `total` bytes made on demand, counting what the server pulls. */
function countedBody(total: number) {
  const counter = { pulled: 0 };
  const chunk = new TextEncoder().encode(`{"pad":"${'x'.repeat(64 * 1024 - 10)}`);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (counter.pulled >= total) return controller.close();
      counter.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, counter };
}

const ROUTES: [string, string, number][] = [
  ['PUT', '/api/settings', BODY_LIMITS.settings],
  ['PUT', '/api/accounts/acct-1/settings', BODY_LIMITS.control],
  ['DELETE', '/api/accounts/acct-1/settings', BODY_LIMITS.control],
  ['POST', '/api/interactions/check', BODY_LIMITS.check],
  ['POST', '/api/interactions/cleanup', BODY_LIMITS.control],
  ['POST', '/api/accounts/acct-1/suspend', BODY_LIMITS.control],
  ['POST', '/api/accounts/acct-1/resume', BODY_LIMITS.control],
  ['POST', '/api/accounts/acct-1/cooldown', BODY_LIMITS.control],
  ['DELETE', '/api/accounts/acct-1/cooldown', BODY_LIMITS.control],
];

describe('body limits', () => {
  it.each(ROUTES)('%s %s refuses an oversized body with 413 before reading all of it', async (method, path, limit) => {
    const { stream, counter } = countedBody(64 * 1024 * 1024);
    const res = await f.app.request(path, {
      method, body: stream, headers: { 'content-type': 'application/json' }, duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect((await res.json()).error).toMatchObject({ code: 'payload_too_large', details: { maxBytes: limit } });
    // Stopped at the limit (plus what was in flight), not after 64 MB.
    expect(counter.pulled).toBeLessThanOrEqual(limit + 4 * 64 * 1024);
  });

  it.each(ROUTES)('%s %s refuses a declared Content-Length over the limit over HTTP', async (method, path, limit) => {
    const { url } = await f.listen();
    const res = await fetch(`${url}${path}`, { method, body: 'x'.repeat(limit + 1), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('payload_too_large');
  });
});

describe('413 on a keep-alive connection', () => {
  it('closes the connection after refusing a body, so the keep-alive client never hits a dead socket', async () => {
    const { url } = await f.listen();
    const failures: string[] = [];
    const big = 'x'.repeat(1024 * 1024);
    for (let round = 0; round < 30; round++) {
      for (const path of ['/api/accounts/acct-1/tasks', '/api/settings', '/api/accounts/acct-1/suspend']) {
        const method = path === '/api/settings' ? 'PUT' : 'POST';
        try {
          const refused = await fetch(`${url}${path}`, { method, body: big, headers: { 'content-type': 'application/json' } });
          expect(refused.status).toBe(413);
          expect(refused.headers.get('connection')).toBe('close');
          await refused.text();
        } catch (err) {
          failures.push(`${round} ${path}: ${String((err as { cause?: { code?: string } }).cause?.code ?? err)}`);
        }
        try {
          const next = await fetch(`${url}/api/settings`);
          expect(next.status).toBe(200);
          await next.text();
        } catch (err) {
          failures.push(`${round} next: ${String((err as { cause?: { code?: string } }).cause?.code ?? err)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
