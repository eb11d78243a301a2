/**
 * The default message rules against the messages the services users automate send, what each becomes as a
 * task outcome's classification, and the rule schema: a `skipped` rule names its reason, rules stored by an
 * older version stay valid, and operators' own rules replace the defaults.
 */
import { describe, expect, it } from 'vitest';
import { classifyError, DEFAULT_MESSAGE_RULES, type MessageRule } from '../../activities/errors';
import { describeEngageError } from '../../activities/interactions';
import { DEFAULT_ERROR_RULES, errorRuleSchema, settingsPatchSchema } from '../../config/settings';

/** Messages as handlers throw them (wording and case as the services send them). */
const SIMULATED: [message: string, expected: { kind: string; code: string; reason?: string }][] = [
  ['This account is private', { kind: 'unavailable', code: 'private', reason: 'private' }],
  ['Sorry, this account is private. Follow to see their photos.', { kind: 'unavailable', code: 'private', reason: 'private' }],
  ['Your account has been suspended', { kind: 'unavailable', code: 'matched_unavailable' }],
  ['User suspended', { kind: 'unavailable', code: 'matched_unavailable' }],
  ['User not found', { kind: 'unavailable', code: 'matched_unavailable' }],
  ['Action Blocked', { kind: 'rate_limited', code: 'matched_rate_limited' }],
  ['Action blocked. Try again later. We restrict certain activity to protect our community.', { kind: 'rate_limited', code: 'matched_rate_limited' }],
  ['Please wait a few minutes before you try again later', { kind: 'rate_limited', code: 'matched_rate_limited' }],
  ['429 Too Many Requests', { kind: 'rate_limited', code: 'matched_rate_limited' }],
  // The most specific rule wins: private before the rate limit its message also mentions.
  ['Action blocked: this account is private', { kind: 'unavailable', code: 'private', reason: 'private' }],
  // Nothing matches: transient, retried.
  ['socket hang up', { kind: 'transient', code: 'transient_error' }],
];

describe('default error rules', () => {
  it.each(SIMULATED)('classifies %j', (message, expected) => {
    const c = classifyError(new Error(message), DEFAULT_ERROR_RULES);
    expect(c).toEqual({ message, ...expected });
    // A handler that throws a string, not an Error, is classified alike.
    expect(classifyError(message).kind).toBe(expected.kind);
  });

  it('are the defaults the classifier and the settings start from', () => {
    expect(DEFAULT_MESSAGE_RULES).toBe(DEFAULT_ERROR_RULES);
    for (const rule of DEFAULT_ERROR_RULES) expect(errorRuleSchema.safeParse(rule).success).toBe(true);
  });

  it('record a private target as skipped with reason private in the interaction log', () => {
    const d = describeEngageError(new Error('This account is private'), { finalAttempt: false, errorRules: DEFAULT_ERROR_RULES, aborted: null });
    expect(d).toMatchObject({ status: 'skipped', reason: 'private' });
    const limited = describeEngageError(new Error('Too many requests'), { finalAttempt: false, errorRules: DEFAULT_ERROR_RULES, aborted: null });
    expect(limited).toMatchObject({ status: 'retry', reason: 'matched_rate_limited' });
  });
});

describe('error rule schema', () => {
  it('takes rules stored by earlier versions as they are', () => {
    const stored = [{ match: 'quota exceeded', kind: 'permanent' }, { match: 'not found', kind: 'unavailable' }];
    expect(settingsPatchSchema.safeParse({ errorRules: stored }).success).toBe(true);
  });

  it('needs a reason for kind skipped and refuses one elsewhere', () => {
    expect(errorRuleSchema.safeParse({ match: 'blocked you', kind: 'skipped', reason: 'blocked' }).success).toBe(true);
    const noReason = errorRuleSchema.safeParse({ match: 'blocked you', kind: 'skipped' });
    expect(noReason.success).toBe(false);
    expect(noReason.error?.issues[0]?.path).toEqual(['reason']);
    expect(errorRuleSchema.safeParse({ match: 'x', kind: 'permanent', reason: 'x' }).success).toBe(false);
    expect(errorRuleSchema.safeParse({ match: 'x', kind: 'skipped', reason: 'Not Snake' }).success).toBe(false);
    expect(errorRuleSchema.safeParse({ match: 'x', kind: 'private' }).success).toBe(false);
  });

  it("lets operators replace every default: their list is the only one that applies", () => {
    const mine: MessageRule[] = [
      { match: 'this account is private', kind: 'permanent' },
      { match: 'blocked you', kind: 'skipped', reason: 'blocked' },
    ];
    expect(classifyError(new Error('This account is private'), mine)).toMatchObject({ kind: 'permanent', code: 'matched_permanent' });
    expect(classifyError(new Error('They blocked you'), mine)).toMatchObject({ kind: 'unavailable', reason: 'blocked' });
    // The defaults no longer apply: a rate-limit phrase is an ordinary (transient) error now.
    expect(classifyError(new Error('Too many requests'), mine).kind).toBe('transient');
    expect(classifyError(new Error('Too many requests'), []).kind).toBe('transient');
  });
});
