/**
 * `webhook`: POSTs the task to the operator-configured URL (WEBHOOK_URL). The answer decides the outcome:
 * 2xx success (the JSON body is the result), 429 rate limited (Retry-After honoured), 404/410 target
 * unavailable, other 4xx permanent, 5xx or a network error transient (retried).
 */
import { z } from 'zod';
import { PermanentError, RateLimitedError, TargetUnavailableError, TransientError } from '../errors';
import type { TaskHandler } from './types';

const payloadSchema = z.record(z.string(), z.unknown());

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export function createWebhookHandler(url: string, timeoutMs = 30_000): TaskHandler<Record<string, unknown>> {
  return {
    type: 'webhook',
    description: 'POSTs the task to the configured webhook URL.',
    payloadSchema,
    async run(ctx, payload) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-baton-task-id': ctx.taskId },
          body: JSON.stringify({ taskId: ctx.taskId, accountId: ctx.accountId, attempt: ctx.attempt, payload }),
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]),
        });
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        throw new TransientError(`webhook request failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      const text = await response.text();
      const snippet = text.slice(0, 500);
      if (response.ok) {
        try {
          return text ? JSON.parse(text) : null;
        } catch {
          return { body: snippet };
        }
      }
      const why = `webhook answered ${response.status}${snippet ? `: ${snippet}` : ''}`;
      if (response.status === 429) throw new RateLimitedError(why, parseRetryAfter(response.headers.get('retry-after')));
      if (response.status === 404 || response.status === 410) throw new TargetUnavailableError(why);
      if (response.status >= 400 && response.status < 500) throw new PermanentError(why, `http_${response.status}`);
      throw new TransientError(why);
    },
  };
}
