/**
 * The pure helpers at the edges of the engine: error classification, Retry-After parsing, idempotent task
 * ids and task specs, environment configuration and the settings the workflow sees (in milliseconds).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DEFAULT_MESSAGE_RULES,
  DedupeHitError,
  PermanentError,
  RateLimitedError,
  StaleAttemptError,
  TargetUnavailableError,
  TransientError,
  classifyError,
  errorMessage,
} from '../../activities/errors';
import { parseRetryAfter } from '../../activities/handlers/webhook';
import type { HandlerRegistry, TaskHandler } from '../../activities/handlers/types';
import { ApiError } from '../../api/http/errors';
import { idempotentTaskId, toTaskSpec } from '../../api/intake/submission';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../config/env';
import { defaultSettings, settingsSchema, toEngineSettings, type Settings } from '../../config/settings';

describe('classifyError', () => {
  it('classifies each named error', () => {
    expect(classifyError(new RateLimitedError('429 from upstream', 1500))).toEqual({
      kind: 'rate_limited', message: '429 from upstream', code: 'rate_limited', retryAfterMs: 1500,
    });
    const noRetryAfter = classifyError(new RateLimitedError('slow down'));
    expect(noRetryAfter).toEqual({ kind: 'rate_limited', message: 'slow down', code: 'rate_limited' });
    expect(noRetryAfter).not.toHaveProperty('retryAfterMs');
    expect(classifyError(new TargetUnavailableError('user deleted'))).toEqual({ kind: 'unavailable', message: 'user deleted', code: 'target_unavailable' });
    expect(classifyError(new DedupeHitError('user-1', 'follow', null))).toEqual({ kind: 'unavailable', message: 'dedupe_hit', code: 'dedupe_hit' });
    expect(classifyError(new PermanentError('bad request'))).toEqual({ kind: 'permanent', message: 'bad request', code: 'permanent_error' });
    expect(classifyError(new PermanentError('forbidden', 'http_403'))).toEqual({ kind: 'permanent', message: 'forbidden', code: 'http_403' });
    expect(classifyError(new TransientError('502 bad gateway'))).toEqual({ kind: 'transient', message: '502 bad gateway', code: 'transient_error' });
  });

  it('trusts the error class over its message', () => {
    expect(classifyError(new PermanentError('Try again later')).kind).toBe('permanent');
    expect(classifyError(new TransientError('Not Found')).kind).toBe('transient');
    expect(classifyError(new TargetUnavailableError('rate limit')).kind).toBe('unavailable');
    expect(classifyError(new RateLimitedError('not found')).kind).toBe('rate_limited');
  });

  it('classifies plain errors by the default message rules, ignoring case', () => {
    expect(classifyError(new Error('Try again later'))).toEqual({ kind: 'rate_limited', message: 'Try again later', code: 'matched_rate_limited' });
    expect(classifyError(new Error('Please TRY AGAIN LATER.')).kind).toBe('rate_limited');
    expect(classifyError(new Error('Action Blocked for 24h')).kind).toBe('rate_limited');
    expect(classifyError(new Error('429 Too Many Requests')).kind).toBe('rate_limited');
    expect(classifyError(new Error('hit the rate limit')).kind).toBe('rate_limited');
    expect(classifyError(new Error('Not Found'))).toEqual({ kind: 'unavailable', message: 'Not Found', code: 'matched_unavailable' });
    expect(classifyError(new Error('user not found')).kind).toBe('unavailable');
    // The whole default list, message by message, is in error-rules.test.ts.
    expect(DEFAULT_MESSAGE_RULES.map((r) => r.kind)).toEqual(['skipped', 'rate_limited', 'rate_limited', 'rate_limited', 'rate_limited', 'unavailable', 'unavailable', 'unavailable']);
  });

  it('treats anything else as transient', () => {
    for (const message of ['socket hang up', 'ECONNRESET', 'xq7 zz 0.3 ???', '']) {
      expect(classifyError(new Error(message))).toEqual({ kind: 'transient', message, code: 'transient_error' });
    }
    // A StaleAttemptError has no class rule of its own: its message decides.
    expect(classifyError(new StaleAttemptError('fencing token 3 < 4')).kind).toBe('transient');
  });

  it('classifies thrown non-errors by their text', () => {
    expect(classifyError('try again later')).toEqual({ kind: 'rate_limited', message: 'try again later', code: 'matched_rate_limited' });
    expect(classifyError({ status: 'not found' })).toMatchObject({ kind: 'unavailable', message: '{"status":"not found"}' });
    expect(classifyError(undefined)).toMatchObject({ kind: 'transient', message: 'undefined' });
    expect(errorMessage(42)).toBe('42');
  });

  it('uses the rules it is given, first match wins, and caps the message at 2000 characters', () => {
    const rules = [{ match: 'Quota', kind: 'permanent' as const }, { match: 'quota exceeded', kind: 'rate_limited' as const }];
    expect(classifyError(new Error('QUOTA exceeded'), rules)).toEqual({ kind: 'permanent', message: 'QUOTA exceeded', code: 'matched_permanent' });
    // With no rules even the default phrases are transient.
    expect(classifyError(new Error('try again later'), []).kind).toBe('transient');
    const long = 'x'.repeat(5000);
    expect(classifyError(new Error(long)).message).toHaveLength(2000);
    // A rule phrase beyond the first 2000 characters is not seen.
    expect(classifyError(new Error(`${'y'.repeat(2000)} try again later`)).kind).toBe('transient');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('0.0004', now)).toBe(0);
  });

  it('reads an HTTP date, relative to now, and never negative', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores garbage and absence', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('in 30 sec', now)).toBeUndefined();
    expect(parseRetryAfter('Infinity', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('idempotentTaskId', () => {
  it('is stable for one (account, key)', () => {
    expect(idempotentTaskId('acct-1', 'order-77')).toBe(idempotentTaskId('acct-1', 'order-77'));
  });

  it('differs between accounts and between keys', () => {
    const ids = new Set([
      idempotentTaskId('acct-1', 'order-77'),
      idempotentTaskId('acct-2', 'order-77'),
      idempotentTaskId('acct-1', 'order-78'),
      idempotentTaskId('acct-1order-77', ''),
      idempotentTaskId('acct-', '1order-77'),
    ]);
    expect(ids.size).toBe(5);
  });

  it('is UUID-shaped (version 5 nibble, variant a)', () => {
    for (const key of ['a', 'b', 'a much longer key with spaces', '🙂']) {
      expect(idempotentTaskId('acct-1', key)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });
});

describe('toTaskSpec', () => {
  const handler: TaskHandler<{ ms: number }> = {
    type: 'sleep',
    description: 'sleeps',
    payloadSchema: z.object({ ms: z.number().int().min(0) }).strict(),
    run: async () => null,
  };
  const handlers: HandlerRegistry = new Map([['sleep', handler as TaskHandler]]);
  const NOW = 1_700_000_000_000;

  it('derives the task id from the Idempotency-Key, per account', () => {
    const a = toTaskSpec(handlers, 'acct-1', { type: 'sleep', payload: { ms: 5 } }, 'key-1', NOW);
    const b = toTaskSpec(handlers, 'acct-1', { type: 'sleep', payload: { ms: 5 } }, 'key-1', NOW + 1);
    expect(a.taskId).toBe(idempotentTaskId('acct-1', 'key-1'));
    expect(b.taskId).toBe(a.taskId);
    expect(toTaskSpec(handlers, 'acct-2', { type: 'sleep', payload: { ms: 5 } }, 'key-1', NOW).taskId).not.toBe(a.taskId);
    expect(a).toEqual({ taskId: a.taskId, type: 'sleep', payload: { ms: 5 }, submittedAtMs: NOW });
  });

  it('prefers an explicit task id, else makes a random one', () => {
    expect(toTaskSpec(handlers, 'acct-1', { type: 'sleep', payload: { ms: 1 }, taskId: 'mine' }, 'key-1', NOW).taskId).toBe('mine');
    const r1 = toTaskSpec(handlers, 'acct-1', { type: 'sleep', payload: { ms: 1 } }, undefined, NOW).taskId;
    const r2 = toTaskSpec(handlers, 'acct-1', { type: 'sleep', payload: { ms: 1 } }, undefined, NOW).taskId;
    expect(r1).not.toBe(r2);
    expect(r1).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carries dedupe key, priority and runAfter (as epoch ms)', () => {
    const spec = toTaskSpec(handlers, 'acct-1', {
      type: 'sleep', payload: { ms: 1 }, dedupeKey: 'k', priority: 3, runAfter: '2030-01-01T00:00:00Z',
    }, undefined, NOW);
    expect(spec).toMatchObject({ dedupeKey: 'k', priority: 3, runAfterMs: Date.parse('2030-01-01T00:00:00Z'), submittedAtMs: NOW });
  });

  it('refuses an unknown type or a payload its handler rejects with 422', () => {
    const unknown = (() => {
      try {
        toTaskSpec(handlers, 'acct-1', { type: 'nope', payload: {} }, undefined, NOW);
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(unknown).toBeInstanceOf(ApiError);
    expect(unknown).toMatchObject({ status: 422, code: 'unknown_task_type', details: { known: ['sleep'] } });
    expect(() => toTaskSpec(handlers, 'acct-1', { type: 'sleep', payload: { ms: -1 } }, undefined, NOW)).toThrow(
      expect.objectContaining({ status: 422, code: 'invalid_payload', message: expect.stringContaining('invalid payload for sleep: ms') }),
    );
  });
});

describe('loadConfig', () => {
  it('has safe defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      temporalAddress: '127.0.0.1:7233',
      temporalUiUrl: 'http://127.0.0.1:8233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'baton',
      API_KEYS: [],
      DEMO_HANDLERS: false,
      RATE_LIMIT_STEPS: [60, 120, 300, 600],
      RATE_LIMIT_JITTER: 0.25,
      COOLDOWN_AFTER_CONSECUTIVE: 3,
      COOLDOWN_MINUTES: 45,
      MAX_QUEUED_PER_ACCOUNT: 10_000,
    });
    expect(c.TEMPORAL_ADDRESS).toBeUndefined();
  });

  it('takes values from the environment; an empty value means unset', () => {
    const c = loadConfig({ PORT: '8080', HOST: '0.0.0.0', TEMPORAL_PORT: '7300', DEMO_HANDLERS: 'yes', API_KEYS: 'a, b,,', LOG_LEVEL: '' });
    expect(c).toMatchObject({ PORT: 8080, HOST: '0.0.0.0', temporalAddress: '127.0.0.1:7300', DEMO_HANDLERS: true, API_KEYS: ['a', 'b'], LOG_LEVEL: 'info' });
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_PORT: '7300' }).temporalAddress).toBe('temporal:7233');
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
  });

  it('parses RATE_LIMIT_STEPS as a comma-separated list of numbers', () => {
    expect(loadConfig({ RATE_LIMIT_STEPS: '1,2.5,3' }).RATE_LIMIT_STEPS).toEqual([1, 2.5, 3]);
    expect(loadConfig({ RATE_LIMIT_STEPS: ' 10 , 20,' }).RATE_LIMIT_STEPS).toEqual([10, 20]);
  });

  it('throws a ConfigError that names each bad variable', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'abc', RATE_LIMIT_STEPS: 'x', HOST: 'fine' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
    expect(err.issues).toHaveLength(2);
    expect(err.issues.some((i) => i.startsWith('PORT: '))).toBe(true);
    expect(err.issues.some((i) => i.startsWith('RATE_LIMIT_STEPS'))).toBe(true);
    expect(err.message).toMatch(/^Invalid configuration:\n/);
    expect(err.message).toContain('  - PORT: ');
    expect(err.message).toContain('  - RATE_LIMIT_STEPS');
    expect(err.message).not.toContain('HOST');
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', '1.5'],
    ['RATE_LIMIT_STEPS', '1,-2'],
    ['RATE_LIMIT_STEPS', ',,'],
    ['RATE_LIMIT_JITTER', '2'],
    ['MAX_QUEUED_PER_ACCOUNT', '0'],
    ['LOG_LEVEL', 'loud'],
    ['DEMO_HANDLERS', 'maybe'],
    ['WEBHOOK_URL', 'not a url'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`- ${name}`));
  });

  it('lists every variable it reads', () => {
    expect(CONFIG_VARIABLES).toEqual(expect.arrayContaining(['PORT', 'HOST', 'TEMPORAL_ADDRESS', 'RATE_LIMIT_STEPS', 'COOLDOWN_MINUTES']));
  });
});

describe('settings', () => {
  it('defaults from the configuration and validates', () => {
    const s = defaultSettings(loadConfig({ RATE_LIMIT_STEPS: '1,2.5,3', COOLDOWN_MINUTES: '0.05' }));
    expect(s.rateLimitBackoffSeconds).toEqual([1, 2.5, 3]);
    expect(s.cooldownMinutes).toBe(0.05);
    expect(settingsSchema.safeParse(s).success).toBe(true);
  });

  it('toEngineSettings converts seconds and minutes to milliseconds', () => {
    const s: Settings = {
      ...defaultSettings(loadConfig({})),
      rateLimitBackoffSeconds: [0.1, 2.5, 60],
      backoffJitter: 0.3,
      cooldownAfterConsecutiveRateLimits: 4,
      cooldownMinutes: 0.05,
      maxQueuedPerAccount: 12,
      taskTimeoutSeconds: 1.5,
      maxAttempts: 7,
      retryInitialSeconds: 0.2,
      retryMaxSeconds: 30,
      breakerFailureThreshold: 9,
    };
    expect(toEngineSettings(s)).toEqual({
      rateLimitBackoffMs: [100, 2500, 60_000],
      backoffJitter: 0.3,
      cooldownAfterConsecutiveRateLimits: 4,
      longCooldownMs: 3000,
      maxQueuedPerAccount: 12,
      taskTimeoutMs: 1500,
      maxAttempts: 7,
      retryInitialMs: 200,
      retryMaxMs: 30_000,
      breakerFailureThreshold: 9,
    });
  });

  it('converts the defaults: 60/120/300/600 s steps and a 45 min long cooldown', () => {
    expect(toEngineSettings(defaultSettings(loadConfig({})))).toMatchObject({
      rateLimitBackoffMs: [60_000, 120_000, 300_000, 600_000],
      longCooldownMs: 45 * 60_000,
      taskTimeoutMs: 300_000,
      retryInitialMs: 1000,
      retryMaxMs: 60_000,
    });
  });

  it('never lets the longest retry wait fall below the first one', () => {
    const s = { ...defaultSettings(loadConfig({})), retryInitialSeconds: 10, retryMaxSeconds: 2 };
    expect(toEngineSettings(s)).toMatchObject({ retryInitialMs: 10_000, retryMaxMs: 10_000 });
  });
});
