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
