/**
 * What a task's outcome does to its account: the backoff after a rate limit, the circuit breaker, the
 * durations the waiting list learns from.
 */
import { statusOfOutcome } from '../task-status';
import type { EngineSettings, TaskOutcome } from '../types';
import { headIndex, RECENT_DURATIONS_LIMIT, setBreaker, touch, type AccountState, type OutcomeEffect } from './account';

/**
 * The longest wait a handler's retry-after may ask for. Handlers cap theirs lower (the webhook's is
 * documented); this bound keeps any number a handler returns (a huge one, NaN) from making a date the
 * workflow cannot represent, which would fail its every workflow task.
 */
export const MAX_RETRY_AFTER_MS = 30 * 24 * 3600_000;

/** A duration from outside the workflow (a handler, an operator) made safe to add to a clock. */
export function boundedDelayMs(ms: number | undefined): number {
  return ms !== undefined && Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS) : 0;
}

/** Backoff for the n-th consecutive rate limit (n ≥ 1), jittered, never below the handler's retry-after. */
export function rateLimitCooldownMs(settings: EngineSettings, consecutive: number, random: number, retryAfterMs = 0): number {
  const steps = settings.rateLimitBackoffMs;
  const base = consecutive >= settings.cooldownAfterConsecutiveRateLimits
    ? settings.longCooldownMs
    : steps[Math.min(consecutive - 1, steps.length - 1)]!;
  const jittered = base * (1 + settings.backoffJitter * (2 * random - 1));
  return Math.max(Math.round(jittered), boundedDelayMs(retryAfterMs));
}

function breakerCooldownMs(settings: EngineSettings, openings: number, random: number): number {
  const steps = settings.rateLimitBackoffMs;
  const base = steps[Math.min(openings - 1, steps.length - 1)]!;
  return Math.round(base * (1 + settings.backoffJitter * (2 * random - 1)));
}

/**
 * Applies what the running task came to. A rate-limited task returns to the head of its priority and the
 * account cools down; repeated failures open the circuit breaker.
 */
export function applyOutcome(state: AccountState, outcome: TaskOutcome, nowMs: number, random: number): OutcomeEffect {
  const running = state.running;
  if (!running) throw new Error(`account ${state.accountId} has no running task`);
  state.running = null;
  touch(state);
  const { task } = running;
  const effect: OutcomeEffect = { taskId: task.taskId, status: statusOfOutcome(outcome) };
  const failedLike = outcome.kind === 'failed' || outcome.kind === 'rate_limited';

  if (outcome.kind === 'succeeded' || outcome.kind === 'skipped') {
    state.recentDurationsMs.push(Math.max(0, nowMs - running.startedAtMs));
    if (state.recentDurationsMs.length > RECENT_DURATIONS_LIMIT) state.recentDurationsMs.shift();
  }

  if (outcome.kind === 'succeeded') state.consecutiveRateLimits = 0;
  if (outcome.kind === 'rate_limited') {
    state.consecutiveRateLimits += 1;
    // Back to the head of its priority: nothing that waited behind it may overtake it.
    state.queue.splice(headIndex(state.queue, task.priority), 0, task);
    const ms = rateLimitCooldownMs(state.settings, state.consecutiveRateLimits, random, outcome.retryAfterMs);
    const long = state.consecutiveRateLimits >= state.settings.cooldownAfterConsecutiveRateLimits;
    // A longer cooldown already in force (an operator's, set while the task ran) is never cut short; one
    // that ends at the same moment gives way, so the account shows the newest cause.
    if (!state.cooldown || state.cooldown.untilMs <= nowMs + ms) {
      effect.cooldown = {
        untilMs: nowMs + ms,
        reason: `${long ? 'long cooldown' : 'cooldown'} ${formatSeconds(ms)} after rate limit #${state.consecutiveRateLimits}: ${outcome.message}`,
        source: 'rate_limit',
      };
      state.cooldown = effect.cooldown;
    }
  }

  // Circuit breaker: a success (or a skip, which is not the account's fault) closes it; failures count.
  if (outcome.kind === 'succeeded' || outcome.kind === 'skipped') {
    state.consecutiveFailures = 0;
    if (state.breaker !== 'closed') {
      effect.breakerChange = setBreaker(state, 'closed', 'probe succeeded', nowMs);
      state.breakerOpenings = 0;
    }
  } else if (failedLike) {
    state.consecutiveFailures += 1;
    const tripped = state.breaker === 'half_open'
      || (state.breaker === 'closed' && state.consecutiveFailures >= state.settings.breakerFailureThreshold);
    if (tripped) {
      state.breakerOpenings += 1;
      const ms = breakerCooldownMs(state.settings, state.breakerOpenings, random);
      const reason = state.breaker === 'half_open'
        ? 'probe failed'
        : `${state.consecutiveFailures} consecutive failures`;
      effect.breakerChange = setBreaker(state, 'open', reason, nowMs);
      // The breaker's wait never shortens a longer cooldown already in force. On a tie it gives way to this
      // outcome's own rate-limit cooldown (the cause) but replaces an older one, as above.
      const tie = state.cooldown?.untilMs === nowMs + ms && state.cooldown !== effect.cooldown;
      if (!state.cooldown || state.cooldown.untilMs < nowMs + ms || tie) {
        state.cooldown = { untilMs: nowMs + ms, reason: `circuit open ${formatSeconds(ms)}: ${reason}`, source: 'breaker' };
        effect.cooldown = state.cooldown;
      }
    }
  }
  return effect;
}


function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(s < 10 ? 2 : 1)} s`;
}
