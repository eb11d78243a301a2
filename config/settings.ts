/**
 * Operator settings: defaulted from the environment, overridden one by one in Postgres (`PUT /api/settings`
 * stores only what it was given), applied to the next task outcome without a restart. Fractions of seconds
 * and minutes are allowed so that tests can run cooldowns in milliseconds.
 */
import { z } from 'zod';
import type { EngineSettings } from '../workflows/types';
import type { Config } from './env';

/**
 * Message rules classify errors that handlers throw as plain text; matched as case-insensitive substrings,
 * the first rule that matches decides. Kinds: `rate_limited` (back to the head of the queue, the account
 * cools down), `unavailable` (the task is skipped, the message its reason), `skipped` (the task is skipped
 * with the rule's own `reason`, e.g. `private`), `permanent` (failed), `transient` (retried).
 */
export const errorRuleSchema = z
  .object({
    match: z.string().min(1).max(200),
    kind: z.enum(['rate_limited', 'unavailable', 'skipped', 'permanent', 'transient']),
    reason: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,63}$/, 'a reason in snake_case: lower-case letters, digits and _ (at most 64)')
      .optional()
      .describe('Only with kind skipped: the reason the task is skipped with'),
  })
  .strict()
  .refine((r) => (r.kind === 'skipped') === (r.reason !== undefined), {
    message: 'a rule of kind skipped needs a reason; other kinds take none',
    path: ['reason'],
  });
export type ErrorRule = z.infer<typeof errorRuleSchema>;

/**
 * Phrases of the services users automate (social networks, their APIs). Most specific first: a message
 * "Action blocked: this account is private" is the private outcome, not a rate limit.
 */
export const DEFAULT_ERROR_RULES: ErrorRule[] = [
  { match: 'this account is private', kind: 'skipped', reason: 'private' },
  { match: 'action blocked', kind: 'rate_limited' },
  { match: 'try again later', kind: 'rate_limited' },
  { match: 'too many requests', kind: 'rate_limited' },
  { match: 'rate limit', kind: 'rate_limited' },
  { match: 'suspended', kind: 'unavailable' },
  { match: 'user not found', kind: 'unavailable' },
  { match: 'not found', kind: 'unavailable' },
];

export const settingsSchema = z
  .object({
    reengagementDays: z.number().positive().max(3650).describe('Re-engagement window in days'),
    rateLimitBackoffSeconds: z
      .array(z.number().positive().max(86_400))
      .min(1)
      .max(20)
      .describe('Cooldown after the 1st, 2nd, ... consecutive rate limit, in seconds (the last repeats)'),
    backoffJitter: z.number().min(0).max(1).describe('Jitter applied to every cooldown, as a fraction (0.25 = ±25 %)'),
    cooldownAfterConsecutiveRateLimits: z
      .number().int().min(1).max(1000)
      .describe('After this many consecutive rate limits the long cooldown applies'),
    cooldownMinutes: z.number().positive().max(10_080).describe('The long cooldown, in minutes'),
    maxQueuedPerAccount: z.number().int().min(1).max(100_000).describe('Queue length limit per account'),
    taskTimeoutSeconds: z.number().positive().max(86_400).describe('Longest one run of a task may take'),
    taskTimeoutSecondsByType: z
      .record(z.string().min(1).max(64).regex(/^[a-z][a-z0-9_.-]*$/, 'a task type: lower-case letters, digits and _ . -'), z.number().positive().max(86_400))
      .refine((r) => Object.keys(r).length <= 100, 'at most 100 task types')
      .describe('Longest one run of a task of this type may take, in seconds, by type (others take taskTimeoutSeconds): a hung task holds its account and its dedupe key this long per attempt'),
    maxAttempts: z.number().int().min(1).max(100).describe('Runs of a task with transient errors before it fails'),
    retryInitialSeconds: z.number().positive().max(3600).describe('Wait before the first retry of a transient error'),
    retryMaxSeconds: z.number().positive().max(86_400).describe('Longest wait between retries (the wait doubles up to it)'),
    errorRules: z
      .array(errorRuleSchema)
      .max(100)
      .describe('Message rules for errors handlers throw as plain text: the first whose match the message contains (any case) decides; kind skipped takes a reason'),
    breakerFailureThreshold: z
      .number().int().min(1).max(1000)
      .describe('Consecutive failures of any kind that open the circuit breaker'),
    eventRetentionDays: z.number().positive().max(36_500).describe('Interaction events older than this are deleted'),
    taskRetentionDays: z
      .number().positive().max(36_500)
      .describe('Finished tasks (with their events) and idle accounts without tasks older than this are deleted'),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;
/** Some settings: what the settings row stores (only what was set), and a change without removals. */
export const settingsPatchSchema = settingsSchema.partial().strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

type Shape = typeof settingsSchema.shape;
const changeShape = Object.fromEntries(Object.entries(settingsSchema.shape).map(([k, s]) => [k, s.nullable().optional()])) as {
  [K in keyof Shape]: z.ZodOptional<z.ZodNullable<Shape[K]>>;
};
/** A change by `PUT /api/settings`: a value stores that setting, `null` removes the stored one (its default applies again). */
export const settingsChangeSchema = z.object(changeShape).strict();
export type SettingsChange = z.infer<typeof settingsChangeSchema>;

/** Where a setting's value comes from: Baton's built-in default, an environment variable, or the settings row. */
export const SETTING_SOURCES = ['default', 'environment', 'stored'] as const;
export type SettingSource = (typeof SETTING_SOURCES)[number];

/** The environment variable each setting's default comes from (defaultSettings reads them); the error rules and per-type timeouts have none. */
export const SETTING_VARIABLES = {
  reengagementDays: 'REENGAGEMENT_DAYS_DEFAULT',
  rateLimitBackoffSeconds: 'RATE_LIMIT_STEPS',
  backoffJitter: 'RATE_LIMIT_JITTER',
  cooldownAfterConsecutiveRateLimits: 'COOLDOWN_AFTER_CONSECUTIVE',
  cooldownMinutes: 'COOLDOWN_MINUTES',
  maxQueuedPerAccount: 'MAX_QUEUED_PER_ACCOUNT',
  taskTimeoutSeconds: 'TASK_TIMEOUT_SECONDS',
  taskTimeoutSecondsByType: null,
  maxAttempts: 'MAX_ATTEMPTS',
  retryInitialSeconds: 'RETRY_INITIAL_SECONDS',
  retryMaxSeconds: 'RETRY_MAX_SECONDS',
  errorRules: null,
  breakerFailureThreshold: 'BREAKER_FAILURE_THRESHOLD',
  eventRetentionDays: 'EVENT_RETENTION_DAYS',
  taskRetentionDays: 'TASK_RETENTION_DAYS',
} as const satisfies Record<keyof Settings, keyof Config | null>;

/** For each setting, where its effective value comes from, given what the settings row stores. */
export function settingSources(config: Config, stored: SettingsPatch): Record<keyof Settings, SettingSource> {
  const sources = {} as Record<keyof Settings, SettingSource>;
  for (const [key, variable] of Object.entries(SETTING_VARIABLES) as [keyof Settings, keyof Config | null][]) {
    sources[key] = key in stored ? 'stored' : variable && config.fromEnvironment.includes(variable) ? 'environment' : 'default';
  }
  return sources;
}

/** What an account may override: its backoff and its queue limit. */
export const accountOverridesSchema = settingsSchema
  .pick({
    rateLimitBackoffSeconds: true,
    backoffJitter: true,
    cooldownAfterConsecutiveRateLimits: true,
    cooldownMinutes: true,
    maxQueuedPerAccount: true,
    breakerFailureThreshold: true,
  })
  .partial()
  .strict();
export type AccountOverrides = z.infer<typeof accountOverridesSchema>;

export function defaultSettings(config: Config): Settings {
  return {
    reengagementDays: config.REENGAGEMENT_DAYS_DEFAULT,
    rateLimitBackoffSeconds: config.RATE_LIMIT_STEPS,
    backoffJitter: config.RATE_LIMIT_JITTER,
    cooldownAfterConsecutiveRateLimits: config.COOLDOWN_AFTER_CONSECUTIVE,
    cooldownMinutes: config.COOLDOWN_MINUTES,
    maxQueuedPerAccount: config.MAX_QUEUED_PER_ACCOUNT,
    taskTimeoutSeconds: config.TASK_TIMEOUT_SECONDS,
    taskTimeoutSecondsByType: {},
    maxAttempts: config.MAX_ATTEMPTS,
    retryInitialSeconds: config.RETRY_INITIAL_SECONDS,
    retryMaxSeconds: config.RETRY_MAX_SECONDS,
    errorRules: DEFAULT_ERROR_RULES,
    breakerFailureThreshold: config.BREAKER_FAILURE_THRESHOLD,
    eventRetentionDays: config.EVENT_RETENTION_DAYS,
    taskRetentionDays: config.TASK_RETENTION_DAYS,
  };
}

/** The workflow's view, in milliseconds. */
export function toEngineSettings(s: Settings): EngineSettings {
  return {
    rateLimitBackoffMs: s.rateLimitBackoffSeconds.map((x) => x * 1000),
    backoffJitter: s.backoffJitter,
    cooldownAfterConsecutiveRateLimits: s.cooldownAfterConsecutiveRateLimits,
    longCooldownMs: s.cooldownMinutes * 60_000,
    maxQueuedPerAccount: s.maxQueuedPerAccount,
    taskTimeoutMs: s.taskTimeoutSeconds * 1000,
    // Only when some type has its own: the workflow input stays as it was for everyone else.
    ...(Object.keys(s.taskTimeoutSecondsByType).length
      ? { taskTimeoutMsByType: Object.fromEntries(Object.entries(s.taskTimeoutSecondsByType).map(([type, seconds]) => [type, seconds * 1000])) }
      : {}),
    maxAttempts: s.maxAttempts,
    retryInitialMs: s.retryInitialSeconds * 1000,
    retryMaxMs: Math.max(s.retryMaxSeconds, s.retryInitialSeconds) * 1000,
    breakerFailureThreshold: s.breakerFailureThreshold,
  };
}
