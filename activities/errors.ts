/**
 * Named errors a handler throws to say what happened; `classifyError` turns any thrown value into an
 * outcome kind. Handlers that only throw text are classified by message rules.
 */
import { DEFAULT_ERROR_RULES, type ErrorRule } from '../config/settings';
import { errorMessage } from '../workflows/error-message';

/**
 * The longest Retry-After a handler may ask for (24 hours): a larger one is cut to it, so a service that
 * answers "come back in ten years" cools the account down for a day, not a decade.
 */
export const RETRY_AFTER_MAX_MS = 24 * 3600_000;

/** The service refused because of a rate limit: the task goes back to the head of the queue. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  /** How long the service asked to wait, within 0 … RETRY_AFTER_MAX_MS. */
  readonly retryAfterMs?: number;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    if (retryAfterMs !== undefined && !Number.isNaN(retryAfterMs)) this.retryAfterMs = Math.min(Math.max(0, retryAfterMs), RETRY_AFTER_MAX_MS);
  }
}

/** The target is gone or unreachable for good: the task is skipped. */
export class TargetUnavailableError extends Error {
  override name = 'TargetUnavailableError';
}

/** Retrying will not help (bad request, forbidden): the task fails without retries. */
export class PermanentError extends Error {
  override name = 'PermanentError';
  constructor(message: string, readonly code = 'permanent_error') {
    super(message);
  }
}

/** A passing failure (timeout, 5xx, network): Temporal retries the task with backoff. */
export class TransientError extends Error {
  override name = 'TransientError';
}

/**
 * `ctx.engage` found the (account, target, action) inside its re-engagement window (or being engaged by
 * another attempt): the handler's function did not run and the task ends skipped.
 */
export class DedupeHitError extends Error {
  override name = 'DedupeHitError';
  constructor(readonly target: string, readonly action: string, readonly nextAllowedAt: Date | null) {
    super('dedupe_hit');
  }
}

/** A ledger write from an attempt that is no longer the newest one of its account. */
export class StaleAttemptError extends Error {
  override name = 'StaleAttemptError';
}

/** What an error means for its task. `unavailable`: the task is skipped (its `reason`, else the message, says why). */
export type ErrorKind = 'rate_limited' | 'unavailable' | 'permanent' | 'transient';

/** A message rule (config/settings.ts): its kinds are the ErrorKinds and `skipped`, an unavailable with a reason of its own. */
export type MessageRule = ErrorRule;

/** Defaults for handlers that only throw text (the settings' `errorRules` start from these). */
export const DEFAULT_MESSAGE_RULES: MessageRule[] = DEFAULT_ERROR_RULES;

export interface Classified {
  kind: ErrorKind;
  message: string;
  code: string;
  retryAfterMs?: number;
  /** For `unavailable`: the reason the task is skipped with, when not the message (`private`, say). */
  reason?: string;
}

export { errorMessage };

export function classifyError(err: unknown, rules: MessageRule[] = DEFAULT_MESSAGE_RULES): Classified {
  const message = errorMessage(err).slice(0, 2000);
  if (err instanceof RateLimitedError) {
    return err.retryAfterMs === undefined
      ? { kind: 'rate_limited', message, code: 'rate_limited' }
      : { kind: 'rate_limited', message, code: 'rate_limited', retryAfterMs: err.retryAfterMs };
  }
  if (err instanceof TargetUnavailableError) return { kind: 'unavailable', message, code: 'target_unavailable' };
  // Nothing went wrong: the work was already done inside the window, so the task is skipped like an unavailable target.
  if (err instanceof DedupeHitError) return { kind: 'unavailable', message: 'dedupe_hit', code: 'dedupe_hit' };
  if (err instanceof PermanentError) return { kind: 'permanent', message, code: err.code };
  if (err instanceof TransientError) return { kind: 'transient', message, code: 'transient_error' };
  const lower = message.toLowerCase();
  const rule = rules.find((r) => lower.includes(r.match.toLowerCase()));
  // A skipped rule is an unavailable target with a name, as a dedupe hit is: its reason is its code.
  if (rule?.kind === 'skipped') return { kind: 'unavailable', message, code: rule.reason ?? 'skipped', reason: rule.reason ?? 'skipped' };
  if (rule) return { kind: rule.kind, message, code: `matched_${rule.kind}` };
  return { kind: 'transient', message, code: 'transient_error' };
}
