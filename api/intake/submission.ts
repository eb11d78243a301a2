/**
 * Turns a validated submission into a TaskSpec: checks the type against the handler registry and the
 * payload against the handler's schema (so a bad task is refused with 422 here, not failed later), and
 * derives the task id from an Idempotency-Key so that a retried request names the same task.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { z } from '@hono/zod-openapi';
import type { HandlerRegistry } from '../../activities/handlers';
import type { TaskSpec } from '../../workflows/types';
import { ApiError, zodDetails } from '../http/errors';
import type { TaskSubmission } from '../schemas';

export type Submission = z.infer<typeof TaskSubmission>;

/** A UUID-shaped id that is the same for the same (account, key): retries address one task. */
export function idempotentTaskId(accountId: string, key: string): string {
  const h = createHash('sha256').update(`${accountId}\n${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function toTaskSpec(
  handlers: HandlerRegistry,
  accountId: string,
  body: Submission,
  idempotencyKey: string | undefined,
  nowMs = Date.now(),
): TaskSpec {
  const handler = handlers.get(body.type);
  if (!handler) {
    throw new ApiError(422, 'unknown_task_type', `no handler for task type ${JSON.stringify(body.type)}`, {
      known: [...handlers.keys()],
    });
  }
  const parsed = handler.payloadSchema.safeParse(body.payload);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ApiError(
      422,
      'invalid_payload',
      `invalid payload for ${body.type}: ${first ? `${first.path.join('.') || 'payload'}: ${first.message}` : 'rejected'}`,
      zodDetails(parsed.error),
    );
  }
  const taskId = body.taskId ?? (idempotencyKey ? idempotentTaskId(accountId, idempotencyKey) : randomUUID());
  const spec: TaskSpec = { taskId, type: body.type, payload: body.payload ?? {}, submittedAtMs: nowMs };
  if (body.dedupeKey !== undefined) spec.dedupeKey = body.dedupeKey;
  if (body.priority !== undefined) spec.priority = body.priority;
  if (body.runAfter !== undefined) spec.runAfterMs = Date.parse(body.runAfter);
  return spec;
}

/** Fingerprint of a request under an Idempotency-Key: a retry must send the same body to the same place. */
export function requestHash(scope: string, body: unknown): string {
  return createHash('sha256').update(`${scope}\n${JSON.stringify(body)}`).digest('base64url');
}

export function readIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (header.length < 1 || header.length > 255 || !/^[\x21-\x7e]+$/.test(header)) {
    throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
  }
  return header;
}
