/** Engine settings for state-machine tests, in milliseconds; each test file overrides what it exercises. */
import type { EngineSettings } from '../../workflows/types';

export function engineSettings(overrides: Partial<EngineSettings> = {}): EngineSettings {
  return {
    rateLimitBackoffMs: [100, 200],
    backoffJitter: 0,
    cooldownAfterConsecutiveRateLimits: 3,
    longCooldownMs: 1000,
    maxQueuedPerAccount: 100,
    taskTimeoutMs: 60_000,
    maxAttempts: 3,
    retryInitialMs: 100,
    retryMaxMs: 1000,
    breakerFailureThreshold: 5,
    ...overrides,
  };
}

/**
 * The example tests' settings: three backoff steps and a 25 % jitter (so a cooldown is an exact small
 * number once `random` is fixed, and the jitter shows when it is not), the long cooldown after the 4th
 * rate limit in a row, the breaker after 3 failures.
 */
export function exampleSettings(overrides: Partial<EngineSettings> = {}): EngineSettings {
  return engineSettings({
    rateLimitBackoffMs: [100, 200, 400],
    backoffJitter: 0.25,
    cooldownAfterConsecutiveRateLimits: 4,
    longCooldownMs: 10_000,
    breakerFailureThreshold: 3,
    ...overrides,
  });
}

/** "Now" in the state-machine tests: time is passed in, so any fixed instant serves. */
export const T0 = 1_700_000_000_000;
