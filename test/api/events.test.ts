/**
 * Server-Sent Events over real HTTP against a real dev server, worker and database (both drivers): a
 * task's events replayed then followed live (through LISTEN/NOTIFY, well inside the 15 s heartbeat that
 * would otherwise be the only wake-up), resumed from Last-Event-ID without gaps or repeats, ended after
 * the terminal event; the account stream for the dashboard.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, startStack, type TestStack } from '../helpers/stack';
import { forEachSseBlock } from '../helpers/sse-blocks';
import { startTestTemporal, type TestTemporal } from '../helpers/temporal';
import { eventually } from '../helpers/wait';
import type { DriverKind } from '../helpers/database';

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  receivedAt?: number;
}

/** Streams still open: closed after each test so that a failed one cannot hold the server's close(). */
const openStreams = new Set<{ close(): Promise<void> }>();

/** An SSE reader: messages as they arrive, `next()` with a deadline, `close()` to hang up. */
function openSse(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const queue: SseMessage[] = [];
  let ended = false;
  let notify = null as (() => void) | null;
  const response = fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const pump = (async () => {
    const res = await response;
    if (!res.ok || !res.body) return;
    await forEachSseBlock(res.body, (block) => {
      const msg: SseMessage = { receivedAt: Date.now() };
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) msg.comment = line.slice(1).trim();
        const m = /^(id|event|data): ?(.*)$/.exec(line);
        if (m) msg[m[1] as 'id' | 'event' | 'data'] = m[1] === 'data' && msg.data !== undefined ? `${msg.data}\n${m[2]}` : m[2];
      }
      queue.push(msg);
      notify?.();
    });
    ended = true;
    notify?.();
  })();
  const reader = {
    response,
    /** The next message, or null once the stream has ended. */
    async next(timeoutMs = 10_000): Promise<SseMessage | null> {
      const deadline = Date.now() + timeoutMs;
      while (!queue.length && !ended) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no SSE message within ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          notify = r;
          setTimeout(r, left);
        });
        notify = null;
      }
      return queue.shift() ?? null;
    },
    /** Events (not comments) until the stream ends. */
    async rest(timeoutMs = 20_000): Promise<SseMessage[]> {
      const out: SseMessage[] = [];
      for (let m = await this.next(timeoutMs); m; m = await this.next(timeoutMs)) if (m.event) out.push(m);
      return out;
    },
    async close() {
      openStreams.delete(reader);
      abort.abort();
      await pump;
    },
  };
  openStreams.add(reader);
  return reader;
}

let temporal: TestTemporal;
beforeAll(async () => {
  temporal = await startTestTemporal();
});
afterEach(async () => {
  await Promise.all([...openStreams].map((s) => s.close()));
});
afterAll(async () => {
  await temporal?.stop();
});

describe.each<DriverKind>(['postgres', 'pglite'])('event streams on %s', (driver) => {
  let stack: TestStack;
  let base: string;
  beforeAll(async () => {
    stack = await startStack(temporal, { driver });
    base = (await stack.listen()).url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const submit = async (accountId: string, body: unknown) => {
    const res = await call(stack, 'POST', `/api/accounts/${accountId}/tasks`, body);
    expect(res.status).toBe(202);
    return res.body.taskId as string;
  };
  const waitExists = (taskId: string) => eventually(async () => (await call(stack, 'GET', `/api/tasks/${taskId}`)).status === 200, { what: `task ${taskId}` });

  it('replays the past, follows live events, and ends after the terminal one', async () => {
    const a = `sse-${randomUUID().slice(0, 8)}`;
    const taskId = await submit(a, { type: 'sleep', payload: { ms: 2500 } });
    await waitExists(taskId);
    const sse = openSse(`${base}/api/tasks/${taskId}/events`);
    const res = await sse.response;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await sse.rest();
    const types = events.map((e) => e.event);
    expect(types[0]).toBe('queued');
    expect(types).toContain('started');
    expect(types.filter((t) => t === 'progress').length).toBeGreaterThanOrEqual(5);
    expect(types[types.length - 1]).toBe('succeeded');
    const ids = events.map((e) => Number(e.id));
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const last = JSON.parse(events[events.length - 1]!.data!);
    expect(last).toMatchObject({ id: ids[ids.length - 1], taskId, accountId: a, type: 'succeeded', data: { result: { sleptMs: 2500 } } });
    // Delivered by the notification, not found by the heartbeat's re-read 15 s later.
    expect(events[events.length - 1]!.receivedAt! - Date.parse(last.at)).toBeLessThan(5000);
    // Everything the ledger holds, and nothing else.
    const stored = await stack.db.database.db.query.taskEvents.findMany({ where: (t, { eq }) => eq(t.taskId, taskId), orderBy: (t, { asc }) => asc(t.id) });
    expect(ids).toEqual(stored.map((e) => e.id));
    await sse.close();
  });

  it('resumes after Last-Event-ID mid-task without gaps or repeats', async () => {
    const a = `sse-resume-${randomUUID().slice(0, 8)}`;
    const taskId = await submit(a, { type: 'sleep', payload: { ms: 3000 } });
    await waitExists(taskId);
    const first = openSse(`${base}/api/tasks/${taskId}/events`);
    const seen: SseMessage[] = [];
    while (!seen.some((e) => e.event === 'progress')) {
      const m = await first.next();
      if (m?.event) seen.push(m);
    }
    await first.close();
    const resumeFrom = seen[seen.length - 1]!.id!;
    const second = openSse(`${base}/api/tasks/${taskId}/events`, { 'last-event-id': resumeFrom });
    const rest = await second.rest();
    expect(rest[rest.length - 1]!.event).toBe('succeeded');
    const ids = [...seen, ...rest].map((e) => Number(e.id));
    expect(new Set(ids).size).toBe(ids.length);
    const stored = await stack.db.database.db.query.taskEvents.findMany({ where: (t, { eq }) => eq(t.taskId, taskId), orderBy: (t, { asc }) => asc(t.id) });
    expect(ids).toEqual(stored.map((e) => e.id));

    // After the end: ?lastEventId= works too; from the terminal id nothing more comes and the stream ends.
    const started = stored.find((e) => e.type === 'started')!;
    const tail = await openSse(`${base}/api/tasks/${taskId}/events?lastEventId=${started.id}`).rest();
    expect(tail.map((e) => Number(e.id))).toEqual(stored.filter((e) => e.id > started.id).map((e) => e.id));
    const after = openSse(`${base}/api/tasks/${taskId}/events`, { 'last-event-id': String(stored[stored.length - 1]!.id) });
    expect(await after.rest(5000)).toEqual([]);
  });

  it('answers 404 JSON for an unknown task and 400 for a bad Last-Event-ID', async () => {
    const res = await fetch(`${base}/api/tasks/no-such-task/events`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect((await res.json()).error.code).toBe('task_not_found');
    const a = `sse-bad-${randomUUID().slice(0, 8)}`;
    const taskId = await submit(a, { type: 'sleep', payload: { ms: 1 } });
    await waitExists(taskId);
    const bad = await fetch(`${base}/api/tasks/${taskId}/events`, { headers: { 'last-event-id': 'abc' } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('invalid_last_event_id');
  });

  it('streams account state changes live, and catches up from Last-Event-ID', async () => {
    const a = `sse-acct-${randomUUID().slice(0, 8)}`;
    const sse = openSse(`${base}/api/events?accountId=${a}`);
    expect((await sse.next())?.comment).toBe('ready');
    const submittedAt = Date.now();
    await submit(a, { type: 'sleep', payload: { ms: 800 } });
    const states: { state: string; runningTaskId: string | null }[] = [];
    let lastId = '';
    while (!states.some((s) => s.state === 'RUNNING') || states[states.length - 1]!.state !== 'AVAILABLE') {
      const m = await sse.next(8000);
      if (m?.event !== 'account') continue;
      const view = JSON.parse(m.data!);
      expect(view.accountId).toBe(a);
      states.push(view);
      lastId = m.id!;
    }
    expect(states.find((s) => s.state === 'RUNNING')?.runningTaskId).toBeTruthy();
    expect(Date.now() - submittedAt).toBeLessThan(12_000);
    await sse.close();
    const resumed = openSse(`${base}/api/events?accountId=${a}`, { 'last-event-id': lastId });
    expect((await resumed.next())?.comment).toBe('ready');
    const caught = await resumed.next(5000);
    expect(caught?.event).toBe('account');
    expect(JSON.parse(caught!.data!)).toMatchObject({ accountId: a, state: 'AVAILABLE' });
    await resumed.close();
  });

  it.runIf(driver === 'postgres')('sends a heartbeat comment on an idle stream', async () => {
    const sse = openSse(`${base}/api/events?accountId=nobody-${randomUUID().slice(0, 8)}`);
    expect((await sse.next())?.comment).toBe('ready');
    expect(await sse.next(17_000)).toMatchObject({ comment: 'heartbeat' });
    await sse.close();
  }, 30_000);
});
