/**
 * Every error the API answers is `{error: {code, message, details}}`. Routes throw ApiError; anything else
 * is mapped here, once, and never leaks a stack trace.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import type { Logger } from '../../config/logger';
import { isDatabaseUnavailable } from '../../db/unavailable';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, details: details ?? null } };
}

export function zodDetails(error: ZodError) {
  return error.issues.slice(0, 50).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

export function validationError(error: ZodError, where: string): ApiError {
  const first = error.issues[0];
  const message = first
    ? `invalid ${where}: ${first.path.length ? `${first.path.join('.')}: ` : ''}${first.message}`
    : `invalid ${where}`;
  return new ApiError(400, 'validation_error', message, zodDetails(error));
}

/**
 * A 413 is answered before the body is read (or after part of it): the connection closes after the answer,
 * so that a keep-alive client does not send its next request behind the unread rest of this one.
 */
function closeAfterRefusedBody(c: Context, status: number) {
  if (status === 413) c.header('Connection', 'close');
}

export function handleError(log: Logger) {
  return (err: Error, c: Context) => {
    closeAfterRefusedBody(c, err instanceof ApiError || err instanceof HTTPException ? err.status : 0);
    if (err instanceof ApiError) {
      if (err.headers) for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(errorBody(err.code, err.message, err.details), err.status);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = status === 413 ? 'payload_too_large'
        : status === 401 ? 'unauthorized'
        : status === 400 && /json/i.test(err.message) ? 'invalid_json'
        : status === 400 ? 'invalid_request'
        : 'http_error';
      return c.json(errorBody(code, err.message || 'request refused'), status as ContentfulStatusCode);
    }
    if (err instanceof SyntaxError) {
      return c.json(errorBody('invalid_json', 'the request body is not valid JSON'), 400);
    }
    const unavailable = dependencyDown(err);
    if (unavailable) {
      log.warn({ err: { name: err.name, message: err.message }, path: c.req.path }, `${unavailable} unavailable`);
      c.header('Retry-After', '5');
      return c.json(errorBody(`${unavailable}_unavailable`, `${unavailable === 'database' ? 'the database' : 'Temporal'} is not reachable right now; try again shortly`), 503);
    }
    log.error({ err: { name: err.name, message: err.message, stack: err.stack }, path: c.req.path }, 'unhandled API error');
    return c.json(errorBody('internal_error', 'something went wrong on our side; it has been logged'), 500);
  };
}

// gRPC status codes: UNAVAILABLE, DEADLINE_EXCEEDED.
const TEMPORAL_DOWN = new Set([14, 4]);

/** A dependency that is down answers 503 with Retry-After, not 500: the client did nothing wrong. */
function dependencyDown(err: Error): 'database' | 'temporal' | null {
  if (isDatabaseUnavailable(err)) return 'database';
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && TEMPORAL_DOWN.has(code)) return 'temporal';
    if ((e as Error).name === 'ServiceError' || (e as Error).name === 'ConnectionError') return 'temporal';
  }
  return null;
}
