/**
 * The webhook handler against a local HTTP server: Retry-After is capped, redirects are not followed, and
 * only the first WEBHOOK_BODY_MAX_BYTES of an answer are read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookHandler, parseRetryAfter, WEBHOOK_BODY_MAX_BYTES } from '../../activities/handlers/webhook';
import type { TaskContext } from '../../activities/handlers';
import { classifyError, PermanentError, RateLimitedError, RETRY_AFTER_MAX_MS } from '../../activities/errors';

let server: Server;
let base: string;
let bytesSent = 0;
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/slow-down': (_req, res) => res.writeHead(429, { 'retry-after': '9000000000000' }).end('slow down'),
  '/slow-down-date': (_req, res) => res.writeHead(429, { 'retry-after': 'Fri, 01 Jan 9999 00:00:00 GMT' }).end(),
  '/moved': (_req, res) => res.writeHead(302, { location: `${base}/target` }).end(),
  '/target': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"reached":true}'),
  '/huge': (_req, res) => {
    // 8 MB in 64 KB chunks, written as the client reads: a capped reader stops long before the end.
    res.writeHead(200, { 'content-type': 'application/json' });
    let left = 128;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const pump = () => {
      while (left > 0) {
        left--;
        bytesSent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => {});
    pump();
  },
  '/huge-error': (_req, res) => res.writeHead(400).end('e'.repeat(200_000)),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => (routes[req.url ?? ''] ?? ((_q, r) => r.writeHead(500).end()))(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const ctx = (): TaskContext => ({
  accountId: 'acct', taskId: 'task-1', attempt: 1, fencingToken: 1, signal: new AbortController().signal,
  progress: () => {}, engage: (_t, _a, fn) => fn(),
});
const run = (path: string) => createWebhookHandler(`${base}${path}`).run(ctx(), {});

describe('webhook handler', () => {
  it('caps a huge Retry-After (seconds or a far date) at RETRY_AFTER_MAX_MS', async () => {
    for (const path of ['/slow-down', '/slow-down-date']) {
      const err = await run(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RateLimitedError);
      expect((err as RateLimitedError).retryAfterMs).toBe(RETRY_AFTER_MAX_MS);
      // What the workflow computes with it stays a valid date.
      expect(() => new Date(Date.now() + (err as RateLimitedError).retryAfterMs!).toISOString()).not.toThrow();
    }
    expect(RETRY_AFTER_MAX_MS).toBe(24 * 3600_000);
    expect(parseRetryAfter('9000000000000')).toBe(RETRY_AFTER_MAX_MS);
  });

  it('caps the retry-after of any handler that throws RateLimitedError', () => {
    expect(classifyError(new RateLimitedError('x', 1e20)).retryAfterMs).toBe(RETRY_AFTER_MAX_MS);
    expect(classifyError(new RateLimitedError('x', -5)).retryAfterMs).toBe(0);
  });

  it('does not follow a redirect: a 3xx fails the task for good with a clear message', async () => {
    const err = await run('/moved').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe('http_302');
    expect((err as Error).message).toMatch(/redirects are not followed/);
    expect((err as Error).message).toContain('/target');
  });

  it('reads at most 64 KB of an answer and keeps the result small', async () => {
    const result = (await run('/huge')) as { truncated: boolean; body: string };
    expect(result.truncated).toBe(true);
    expect(JSON.stringify(result).length).toBeLessThan(2000);
    // The reader cancelled the stream instead of taking all 8 MB.
    expect(bytesSent).toBeLessThan(8 * 1024 * 1024);
    expect(WEBHOOK_BODY_MAX_BYTES).toBe(64 * 1024);
    const err = await run('/huge-error').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message.length).toBeLessThan(1000);
  });
});
