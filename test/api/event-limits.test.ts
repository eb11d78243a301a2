/**
 * Account event streams share one read per change, open streams are capped per caller and per process
 * (429 `too_many_streams`), and /metrics counts open streams and the events they sent. Real HTTP and real
 * Postgres (LISTEN/NOTIFY); account rows are written directly, no Temporal needed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accountStates } from '../../db/schema';
import { forEachSseBlock } from '../helpers/sse-blocks';
import { eventually } from '../helpers/wait';
import { startApp, type AppFixture } from './app-fixture';

interface Sse {
  status: number;
  /** `event: account` payloads received so far. */
  accounts: { accountId: string; state: string }[];
  comments: string[];
  close(): void;
}

const open = new Set<Sse>();

/** Opens an SSE stream and collects what it sends; resolves once the answer's head has arrived. */
async function openSse(url: string, headers: Record<string, string> = {}): Promise<Sse> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const s: Sse = { status: res.status, accounts: [], comments: [], close: () => abort.abort() };
  if (res.status !== 200 || !res.body) {
    (s as Sse & { body?: unknown }).body = await res.json();
    return s;
  }
  open.add(s);
  void forEachSseBlock(res.body, (block) => {
    if (block.startsWith(':')) s.comments.push(block.slice(1).trim());
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (/^event: account$/m.test(block) && data) s.accounts.push(JSON.parse(data));
  });
  return s;
}

afterEach(() => {
  for (const s of open) s.close();
  open.clear();
});

describe('account streams share one read per change', () => {
  let f: AppFixture;
  let base: string;
  beforeAll(async () => {
    f = await startApp({ driver: 'postgres' });
    base = (await f.listen()).url;
  });
  afterAll(async () => {
    await f?.close();
  });

  /** Every statement the API sends to Postgres that reads account rows by id (what a change costs a stream). */
  const readsById: string[] = [];
  const countReads = () => {
    const pool = (f.db.database.db as unknown as { $client: { query: (...args: unknown[]) => unknown } }).$client;
    const query = pool.query.bind(pool);
    pool.query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string };
      const text = typeof first === 'string' ? first : first?.text ?? '';
      if (/from "account_states"/i.test(text) && /"account_id" in \(/i.test(text)) readsById.push(text);
      return query(...args);
    };
  };
  const metric = async (name: string) => {
    const text = await (await fetch(`${base}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith(name)).join('\n');
  };

  it('reads a changed account once for every open stream, and counts streams and events in /metrics', async () => {
    const streams = await Promise.all(Array.from({ length: 6 }, () => openSse(`${base}/api/events`)));
    const filtered = await openSse(`${base}/api/events?accountId=acct-other`);
    await eventually(() => [...streams, filtered].every((s) => s.comments.includes('ready')), { what: 'streams ready' });
    countReads();

    await f.db.database.db.insert(accountStates).values({ accountId: 'acct-1', state: 'RUNNING', version: 1, updatedAt: new Date() });
    await eventually(() => streams.every((s) => s.accounts.some((a) => a.accountId === 'acct-1')), { what: 'every stream got the change' });
    await new Promise((r) => setTimeout(r, 500)); // a straggler would show up by now
    // One read for seven streams (the filtered one gets nothing of acct-1), not one each.
    expect(readsById).toHaveLength(1);
    expect(filtered.accounts).toEqual([]);
    for (const s of streams) expect(s.accounts).toEqual([expect.objectContaining({ accountId: 'acct-1', state: 'RUNNING' })]);

    expect(await metric('baton_event_streams_open{kind="account"}')).toBe('baton_event_streams_open{kind="account"} 7');
    expect(await metric('baton_event_stream_events_sent_total{kind="account"}')).toBe('baton_event_stream_events_sent_total{kind="account"} 6');
    expect(await metric('baton_event_stream_account_reads_total')).toMatch(/ [12]$/);
    for (const s of [...streams, filtered]) s.close();
    await eventually(async () => (await metric('baton_event_streams_open{kind="account"}')).endsWith(' 0'), { what: 'streams closed' });
  });
});

describe('stream caps', () => {
  let f: AppFixture;
  let base: string;
  beforeAll(async () => {
    f = await startApp({ env: { API_KEYS: 'k1,k2', EVENT_STREAMS_PER_KEY: '2', EVENT_STREAMS_MAX: '3' } });
    base = (await f.listen()).url;
  });
  afterAll(async () => {
    await f?.close();
  });
  const as = (key: string) => ({ authorization: `Bearer ${key}` });

  it('refuses a stream over the per-key cap and over the process cap with 429 too_many_streams', async () => {
    const a = await openSse(`${base}/api/events`, as('k1'));
    const b = await openSse(`${base}/api/events?accountId=x`, as('k1'));
    expect([a.status, b.status]).toEqual([200, 200]);
    const third = await openSse(`${base}/api/events`, as('k1'));
    expect(third.status).toBe(429);
    expect((third as Sse & { body: { error: unknown } }).body.error).toMatchObject({ code: 'too_many_streams', details: { scope: 'caller', limit: 2 } });

    expect((await openSse(`${base}/api/events`, as('k2'))).status).toBe(200);
    const full = await openSse(`${base}/api/events`, as('k2'));
    expect(full.status).toBe(429);
    expect((full as Sse & { body: { error: unknown } }).body.error).toMatchObject({ code: 'too_many_streams', details: { scope: 'process', limit: 3 } });

    // A closed stream gives its slot back.
    a.close();
    await eventually(async () => (await openSse(`${base}/api/events`, as('k1'))).status === 200, { what: 'slot freed' });
    const refused = (await (await fetch(`${base}/metrics`, { headers: as('k2') })).text()).match(/^baton_event_streams_refused_total\{limit="(caller|process)"\} (\d+)$/gm);
    expect(refused).toEqual(['baton_event_streams_refused_total{limit="caller"} 1', 'baton_event_streams_refused_total{limit="process"} 1']);
  });
});
