/**
 * `/health` figures on the API as `npm run api` wires it (real Postgres, real HTTP for the event stream, no
 * Temporal: readiness says 503 and the workers figure is null). A caller without a key sees status and
 * readiness only; with a key (or on a server without API_KEYS) the figures: accounts by state, live and
 * undelivered tasks, this process's event streams, version and uptime. The figures with a real worker
 * polling are in test/workflows/operator-defaults.test.ts.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { eventually } from '../helpers/wait';
import { startApp, type AppFixture } from './app-fixture';

const KEY = 'k-health-figures';
const auth = { authorization: `Bearer ${KEY}` };

describe('/health figures', () => {
  let f: AppFixture;
  beforeAll(async () => {
    f = await startApp({ driver: 'postgres', env: { API_KEYS: KEY } });
    const db = f.db.database.db;
    for (const [id, state] of [['h-1', 'AVAILABLE'], ['h-2', 'AVAILABLE'], ['h-3', 'COOLDOWN'], ['h-4', 'SUSPENDED']] as const) {
      await db.execute(sql`INSERT INTO account_states (account_id, state) VALUES (${id}, ${state})`);
    }
    await db.execute(sql`INSERT INTO tasks (task_id, account_id, type, payload, status, created_at, delivered_at)
      VALUES ('h-running', 'h-1', 'sleep', '{}', 'running', now(), now()), ('h-done', 'h-1', 'sleep', '{}', 'succeeded', now(), now())`);
  });
  afterAll(async () => {
    await f?.close();
  });

  /** /health once the last cached answer (1 s) has expired, so it reflects what the test just did. */
  const fresh = async (headers: Record<string, string> = {}) => {
    await new Promise((r) => setTimeout(r, 1100));
    const res = await f.app.request('/health', { headers });
    return { status: res.status, body: await res.json() };
  };

  it('shows a caller without a key status and readiness only, with the status code of readiness', async () => {
    const { status, body } = await fresh();
    expect(status).toBe(503); // no Temporal
    expect(Object.keys(body).sort()).toEqual(['checks', 'status']);
    expect(body.checks.postgres).toEqual({ ok: true });
    const wrong = await f.app.request('/health', { headers: { authorization: 'Bearer nope' } });
    expect(Object.keys(await wrong.json()).sort()).toEqual(['checks', 'status']);
  });

  it('shows a caller with a key the figures', async () => {
    // Two submissions the relay cannot deliver (no Temporal): queued and undelivered.
    for (const i of [1, 2]) {
      const res = await f.app.request('/api/accounts/h-2/tasks', {
        method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ taskId: `h-q${i}`, type: 'sleep', payload: { ms: 1 } }),
      });
      expect(res.status).toBe(202);
    }
    const { status, body } = await fresh(auth);
    expect(status).toBe(503);
    expect(body.status).toBe('degraded');
    expect(body.figures).toMatchObject({
      accounts: { total: 4, byState: { AVAILABLE: 2, RUNNING: 0, COOLDOWN: 1, SUSPENDED: 1 } },
      tasks: { running: 1, queued: 2, undelivered: 2 },
      streams: { open: { task: 0, account: 0 }, eventsSent: { task: 0, account: 0 } },
      workers: null,
      version: packageJson.version,
    });
    expect(body.figures.tasks.oldestUndeliveredSeconds).toBeGreaterThanOrEqual(0);
    expect(body.figures.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('counts open event streams and the events they sent', async () => {
    const http = await f.listen();
    const abort = new AbortController();
    const res = await fetch(`${http.url}/api/events?accountId=h-1`, { headers: { ...auth, accept: 'text/event-stream' }, signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    try {
      await f.db.database.db.execute(sql`UPDATE account_states SET state = 'RUNNING', updated_at = now() WHERE account_id = 'h-1'`);
      // The change reaches the stream as one event.
      let text = '';
      while (!text.includes('event: account')) text += new TextDecoder().decode((await reader.read()).value);
      const figures = await eventually(async () => {
        const { body } = await fresh(auth);
        return body.figures.streams.eventsSent.account >= 1 ? body.figures : false;
      }, { timeoutMs: 10_000, what: 'the event counted' });
      expect(figures.streams.open).toEqual({ task: 0, account: 1 });
      expect(figures.accounts.byState.RUNNING).toBe(1);
    } finally {
      abort.abort();
    }
  });
});

describe('/health figures without API_KEYS', () => {
  let f: AppFixture;
  beforeAll(async () => {
    f = await startApp({ driver: 'pglite' });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('go to every caller, since every route is open then', async () => {
    const body = await (await f.app.request('/health')).json();
    expect(body.figures).toMatchObject({ accounts: { total: 0 }, tasks: { running: 0, queued: 0, undelivered: 0 }, workers: null });
    expect((await f.app.request('/health/live')).status).toBe(200);
  });
});
