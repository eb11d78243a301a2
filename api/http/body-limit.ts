/**
 * Body limits for the routes that take a JSON body: checked before the body is read (the Content-Length,
 * or the bytes as they arrive when there is none), answered with 413 `payload_too_large`. Task submission
 * has its own, larger limits (LIMITS in api/schemas.ts).
 */
import { bodyLimit } from 'hono/body-limit';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors';

export const BODY_LIMITS = {
  /** Operator controls (suspend, resume, cooldown) and per-account overrides. */
  control: 16 * 1024,
  /** Global settings (the error rules make them the largest settings body). */
  settings: 64 * 1024,
  /** `POST /api/interactions/check`: up to 1000 targets of up to 512 characters, with room for escapes. */
  check: 1024 * 1024,
} as const;

export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, 'payload_too_large', `the request body is larger than this route accepts (${maxBytes} bytes)`, { maxBytes });
    },
  });
}
