/** The page's logic that needs no browser: SSE parsing (eventsource-parser, through client/sse.ts), error placement, settings text, wait reasons. */
import { describe, expect, it } from 'vitest';
import { ApiFailure } from '../../dashboard/client/api';
import { explainWaiting, waitingFromLedger } from '../../dashboard/client/explain';
import { countdown, duration, taskDuration } from '../../dashboard/client/format';
import { parseHash, href } from '../../dashboard/client/router';
import { fromText, kindOf, labelOf, toText } from '../../dashboard/client/settings-form';
import { SseMessages } from '../../client/sse';
import { submitProblems } from '../../dashboard/client/submit-errors';
import type { Account, Task } from '../../dashboard/client/types';

describe('SSE parser', () => {
  it('joins messages cut anywhere, keeps the last id, skips comments, reads retry', () => {
    const text = ': ready\n\nid: 7\nevent: queued\ndata: {"a":1}\n\nevent: started\ndata: line one\ndata: line two\r\n\r\nretry: 2500\nid: 9\ndata: x\r\rdata: y\n\n';
    // Every split point gives the same messages.
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseMessages();
      const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(got).toEqual([
        { id: '7', event: 'queued', data: '{"a":1}' },
        { id: '7', event: 'started', data: 'line one\nline two' },
        { id: '9', event: 'message', data: 'x' },
        { id: '9', event: 'message', data: 'y' },
      ]);
      expect(p.retryMs).toBe(2500);
    }
  });

  it('ignores an event name without data and a field without a colon', () => {
    const p = new SseMessages();
    expect(p.push('event: lonely\n\ndata\n\n')).toEqual([{ id: null, event: 'message', data: '' }]);
  });
});

describe('submission errors', () => {
  it('puts each API error next to its field', () => {
    expect(submitProblems(new ApiFailure(422, 'invalid_payload', 'invalid payload', [{ path: 'ms', message: 'expected number' }])))
      .toEqual([{ field: 'payload', message: 'ms: expected number' }]);
    expect(submitProblems(new ApiFailure(422, 'unknown_task_type', 'no handler for task type "x"'))[0]!.field).toBe('type');
    expect(submitProblems(new ApiFailure(409, 'already_queued', 'a task with dedupeKey "k" is queued', { taskId: 't-1' })))
      .toEqual([{ field: 'dedupeKey', message: 'a task with dedupeKey "k" is queued', taskId: 't-1' }]);
    expect(submitProblems(new ApiFailure(400, 'validation_error', 'invalid body', [{ path: 'priority', message: 'too big' }, { path: 'extra', message: 'unknown key' }])))
      .toEqual([{ field: 'priority', message: 'too big' }, { field: 'form', message: 'extra: unknown key' }]);
    expect(submitProblems(new ApiFailure(429, 'queue_full', 'account a already has 10 queued tasks'))[0]!.field).toBe('form');
    expect(submitProblems(new Error('offline'))).toEqual([{ field: 'form', message: 'offline' }]);
  });
});

describe('settings form text', () => {
  it('round-trips numbers, lists and JSON, and names what is wrong', () => {
    expect(kindOf(3)).toBe('number');
    expect(kindOf([60, 120])).toBe('numbers');
    expect(kindOf([{ match: 'x', kind: 'transient' }])).toBe('json');
    expect(toText('numbers', [60, 120, 300])).toBe('60, 120, 300');
    expect(fromText('numbers', '60, 120;300  600')).toEqual({ value: [60, 120, 300, 600] });
    expect(fromText('numbers', '60, soon')).toHaveProperty('error');
    expect(fromText('number', '0.25')).toEqual({ value: 0.25 });
    expect(fromText('number', '')).toHaveProperty('error');
    expect(fromText('json', '[{"match":"x"}]')).toEqual({ value: [{ match: 'x' }] });
    expect(fromText('json', '[')).toHaveProperty('error');
    expect(labelOf('rateLimitBackoffSeconds')).toBe('Rate limit backoff seconds');
  });
});

describe('waiting explanations', () => {
  const base: Account = { accountId: 'a', state: 'RUNNING', runningTaskId: '0b9c8a52-0f5e-4f7e-9d0c-8e5b1a4c2d11', runningTaskType: 'sleep', queueLength: 2, cooldownUntil: null, consecutiveRateLimits: 0 };
  const w = { taskId: 't', type: 'sleep', position: 0, waitingReason: 'account_busy' as const, enqueuedAt: new Date().toISOString() };

  it('says what holds each task back and how many are ahead', () => {
    expect(explainWaiting(w, base)).toBe('The account is running sleep 0b9c8a52; one task at a time. It is next.');
    expect(explainWaiting({ ...w, position: 2 }, base)).toMatch(/2 tasks are ahead of it\.$/);
    expect(explainWaiting({ ...w, waitingReason: 'account_suspended' }, { ...base, state: 'SUSPENDED', suspendedReason: 'audit' }))
      .toBe('The account is suspended (audit); nothing starts until it is resumed. It is next.');
    expect(explainWaiting({ ...w, waitingReason: 'account_cooldown', position: 1 }, { ...base, cooldownUntil: new Date().toISOString(), cooldownReason: 'rate limit #1' }))
      .toMatch(/^The account is cooling down until .* \(rate limit #1\)\. 1 task is ahead of it\.$/);
  });

  it('rebuilds the queue from the ledger in queue order when the workflow does not answer', () => {
    const t = (taskId: string, createdAt: string, priority = 0): Task => ({ taskId, accountId: 'a', type: 'sleep', payload: {}, status: 'queued', attempts: 0, priority, createdAt });
    const list = waitingFromLedger({ ...base, state: 'COOLDOWN', cooldownUntil: new Date(Date.now() + 60_000).toISOString() }, [
      t('late', '2026-01-01T00:00:02Z'), t('early', '2026-01-01T00:00:01Z'), t('urgent', '2026-01-01T00:00:03Z', 5),
    ]);
    expect(list.map((x) => [x.taskId, x.position, x.waitingReason])).toEqual([
      ['urgent', 0, 'account_cooldown'], ['early', 1, 'account_cooldown'], ['late', 2, 'account_cooldown'],
    ]);
  });
});

describe('formats and routes', () => {
  it('writes durations and countdowns people read at a glance', () => {
    expect(duration(850)).toBe('850 ms');
    expect(duration(3_240)).toBe('3.2 s');
    expect(duration(125_000)).toBe('2 min 5 s');
    expect(countdown(4_210)).toBe('4.3 s');
    expect(countdown(65_000)).toBe('1:05');
    expect(countdown(3_723_000)).toBe('1:02:03');
    expect(taskDuration({ status: 'queued', startedAt: '2026-01-01T00:00:00Z' }, Date.parse('2026-01-01T00:00:05Z'))).toBeNull();
    expect(taskDuration({ status: 'running', startedAt: '2026-01-01T00:00:00Z' }, Date.parse('2026-01-01T00:00:05Z'))).toBe(5000);
  });

  it('keeps ids and filters in the hash', () => {
    const link = href(['accounts', 'team/a b'], { state: 'COOLDOWN', empty: '' });
    expect(link).toBe('#/accounts/team%2Fa%20b?state=COOLDOWN');
    const route = parseHash(link);
    expect(route.parts).toEqual(['accounts', 'team/a b']);
    expect(route.query.get('state')).toBe('COOLDOWN');
    expect(parseHash('').parts).toEqual([]);
  });
});
