/**
 * `webhook`: POSTs the task to the operator-configured URL (WEBHOOK_URL). The answer decides the outcome:
 * 2xx success (the JSON body is the result), 429 rate limited (Retry-After honoured up to
 * RETRY_AFTER_MAX_MS), 404/410 target unavailable, 3xx (redirects are not followed) and other 4xx
 * permanent, 5xx or a network error transient (retried). At most WEBHOOK_BODY_MAX_BYTES of the answer are
 * read, so what travels back through Temporal and into the ledger stays small whatever the endpoint sends.
 */
import { z } from 'zod';
import { PermanentError, RateLimitedError, RETRY_AFTER_MAX_MS, TargetUnavailableError, TransientError } from '../errors';
import type { TaskHandler } from './types';
import { errorMessage } from '../../workflows/error-message';

const payloadSchema = z.record(z.string(), z.unknown());

/** The most of a webhook's answer that is read; the rest is discarded unread. */
export const WEBHOOK_BODY_MAX_BYTES = 64 * 1024;

/** Retry-After is either seconds or an HTTP date; capped at RETRY_AFTER_MAX_MS. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(Math.round(seconds * 1000), RETRY_AFTER_MAX_MS);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - nowMs), RETRY_AFTER_MAX_MS);
}

/** Reads at most `maxBytes` of the body as text and cancels the rest of the stream. */
export async function readCapped(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - size));
      truncated = true;
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated };
}

export function createWebhookHandler(url: string, timeoutMs = 30_000): TaskHandler<Record<string, unknown>> {
  return {
    type: 'webhook',
    description: 'POSTs the task to the configured webhook URL.',
    payloadSchema,
    async run(ctx, payload) {
      let response: Response;
      let body: { text: string; truncated: boolean };
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-baton-task-id': ctx.taskId },
          body: JSON.stringify({ taskId: ctx.taskId, accountId: ctx.accountId, attempt: ctx.attempt, payload }),
          // A redirect could carry the task to another host; the operator configures the final address.
          redirect: 'manual',
          signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]),
        });
        body = await readCapped(response, WEBHOOK_BODY_MAX_BYTES);
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        throw new TransientError(`webhook request failed: ${errorMessage(err)}`);
      }
      const snippet = body.text.slice(0, 500);
      if (response.ok) {
        if (body.truncated) return { body: snippet, truncated: true, note: `the answer was larger than ${WEBHOOK_BODY_MAX_BYTES} bytes; only its start is kept` };
        try {
          return body.text ? JSON.parse(body.text) : null;
        } catch {
          return { body: snippet };
        }
      }
      const why = `webhook answered ${response.status}${snippet ? `: ${snippet}` : ''}`;
      if (response.status >= 300 && response.status < 400) {
        const location = response.headers.get('location');
        throw new PermanentError(
          `webhook answered ${response.status} (a redirect${location ? ` to ${location.slice(0, 200)}` : ''}); redirects are not followed: set WEBHOOK_URL to the final address`,
          `http_${response.status}`,
        );
      }
      if (response.status === 429) throw new RateLimitedError(why, parseRetryAfter(response.headers.get('retry-after')));
      if (response.status === 404 || response.status === 410) throw new TargetUnavailableError(why);
      if (response.status >= 400 && response.status < 500) throw new PermanentError(why, `http_${response.status}`);
      throw new TransientError(why);
    },
  };
}
