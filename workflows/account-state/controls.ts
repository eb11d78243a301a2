/**
 * What changes an account's availability: an operator's suspension and cooldowns, settings, the passing of
 * time (`settle`), and the decision of what to do next.
 */
import type { EngineSettings } from '../types';
import { setBreaker, touch, type AccountState, type Cooldown, type Decision } from './account';
import { boundedDelayMs } from './outcome';

export function suspend(state: AccountState, reason: string, nowMs: number): void {
  state.suspended = { reason, atMs: nowMs };
  touch(state);
}

export function resume(state: AccountState): void {
  if (!state.suspended) return;
  state.suspended = null;
  touch(state);
}

export function startManualCooldown(state: AccountState, durationMs: number, reason: string, nowMs: number): Cooldown {
  const cooldown: Cooldown = { untilMs: nowMs + boundedDelayMs(durationMs), reason, source: 'manual' };
  state.cooldown = cooldown;
  touch(state);
  return cooldown;
}

/** Ends any cooldown now. An open breaker moves on to its probe. */
export function endCooldown(state: AccountState, nowMs: number): void {
  if (!state.cooldown) return;
  state.cooldown = null;
  if (state.breaker === 'open') setBreaker(state, 'half_open', 'cooldown ended early', nowMs);
  touch(state);
}

export function updateSettings(state: AccountState, settings: EngineSettings): void {
  state.settings = settings;
}
/** Whether `settle` at `nowMs` ends a long cooldown (the one after too many consecutive rate limits). */
export function endsLongCooldown(state: AccountState, nowMs: number): boolean {
  return state.cooldown !== null && state.cooldown.untilMs <= nowMs && state.cooldown.source === 'rate_limit'
    && state.consecutiveRateLimits >= state.settings.cooldownAfterConsecutiveRateLimits;
}

/**
 * Clears a cooldown whose time has come; an open breaker then lets one probe through (half open).
 * `resetAfterLongCooldown`: an expired long cooldown also resets the count of consecutive rate limits, so
 * the next rate limit starts the backoff again from its first step (histories from before replay without).
 */
export function settle(state: AccountState, nowMs: number, resetAfterLongCooldown = false): void {
  if (state.cooldown && state.cooldown.untilMs <= nowMs) {
    if (resetAfterLongCooldown && endsLongCooldown(state, nowMs)) state.consecutiveRateLimits = 0;
    state.cooldown = null;
    if (state.breaker === 'open') setBreaker(state, 'half_open', 'cooldown over: next task is a probe', nowMs);
    touch(state);
  }
}

/** What the driver should do next. Call `settle` first so an expired cooldown does not block. */
export function decide(state: AccountState, nowMs: number): Decision {
  if (state.running) return { kind: 'wait', untilMs: null, reason: 'account_busy' };
  if (state.suspended) return { kind: 'wait', untilMs: null, reason: 'account_suspended' };
  if (state.cooldown && state.cooldown.untilMs > nowMs) {
    return { kind: 'wait', untilMs: state.cooldown.untilMs, reason: 'account_cooldown' };
  }
  if (state.queue.length === 0) return { kind: 'idle' };
  let earliest: number | null = null;
  for (const task of state.queue) {
    if (task.runAfterMs === undefined || task.runAfterMs <= nowMs) return { kind: 'run', taskId: task.taskId };
    earliest = earliest === null ? task.runAfterMs : Math.min(earliest, task.runAfterMs);
  }
  return { kind: 'wait', untilMs: earliest, reason: 'scheduled' };
}
