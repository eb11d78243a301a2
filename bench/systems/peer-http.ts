/**
 * A peer behind the same HTTP shape as Baton's submit route, for the submit-latency scenario: one child
 * process serves `POST /api/accounts/{accountId}/tasks` (Hono on 127.0.0.1) and inserts one job per
 * request, another runs the peer's worker, as Baton runs `npm run api` and `npm run worker`. Started by
 * bench/run.ts with:
 *
 *   PEER=graphile|pgboss  ROLE=api|worker  DATABASE_URL  PEER_SCHEMA  PORT (api)  CONCURRENCY (worker)
 *
 * The job is keyed per account as in the throughput runs: graphile-worker's `queueName` = account (its
 * named queues run one job at a time), pg-boss's `singletonKey` = account on a `key_strict_fifo` queue.
 * Each answer is 202 once the peer's insert has committed, like Baton's. `GET /pending` counts jobs not yet
 * done (to drain between runs); `GET /health` answers 200 once the queue is ready.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { makeWorkerUtils, run } from 'graphile-worker';
import { quietLogger } from './graphile';
import pg from 'pg';
import { PgBoss } from 'pg-boss';

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`peer-http: ${name} is required`);
  return v;
};
const peer = env('PEER');
const role = env('ROLE');
const connectionString = env('DATABASE_URL');
const schema = env('PEER_SCHEMA');
const QUEUE = 'noop';

interface Peer {
  insert(accountId: string, data: Record<string, unknown>): Promise<string>;
  pending(): Promise<number>;
  stop(): Promise<void>;
}

async function graphile(): Promise<Peer> {
  const utils = await makeWorkerUtils({ connectionString, schema, logger: quietLogger });
  await utils.migrate();
  if (role === 'worker') {
    const runner = await run({
      connectionString,
      schema,
      concurrency: Number(env('CONCURRENCY')),
      noHandleSignals: true,
      pollInterval: 200, // as in the throughput runs
      logger: quietLogger,
      taskList: { [QUEUE]: async () => {} },
    });
    return { insert: () => Promise.reject(new Error('worker')), pending: () => Promise.resolve(0), stop: () => runner.stop().then(() => utils.release()) };
  }
  const pool = new pg.Pool({ connectionString, max: 1 });
  return {
    async insert(accountId, data) {
      const job = await utils.addJob(QUEUE, data, { queueName: accountId });
      return String(job.id);
    },
    async pending() {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}"._private_jobs`);
      return rows[0].n as number;
    },
    async stop() {
      await utils.release();
      await pool.end();
    },
  };
}

async function pgboss(): Promise<Peer> {
  const boss = new PgBoss({ connectionString, schema });
  boss.on('error', () => {});
  await boss.start();
  if (role === 'worker') {
    await boss.work(QUEUE, { localConcurrency: Number(env('CONCURRENCY')), batchSize: 1, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 5 }, async () => {});
    return { insert: () => Promise.reject(new Error('worker')), pending: () => Promise.resolve(0), stop: () => boss.stop({ graceful: true, timeout: 10_000 }) };
  }
  if (!(await boss.getQueue(QUEUE))) await boss.createQueue(QUEUE, { policy: 'key_strict_fifo', notify: true });
  const pool = new pg.Pool({ connectionString, max: 1 });
  return {
    async insert(accountId, data) {
      const id = await boss.send(QUEUE, data, { singletonKey: accountId });
      if (id === null) throw new Error('pg-boss refused the job');
      return id;
    },
    async pending() {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".job WHERE name = $1 AND state IN ('created', 'retry', 'active')`, [QUEUE]);
      return rows[0].n as number;
    },
    async stop() {
      await boss.stop({ graceful: false, timeout: 5_000 });
      await pool.end();
    },
  };
}

const system = peer === 'graphile' ? await graphile() : peer === 'pgboss' ? await pgboss() : null;
if (!system) throw new Error(`peer-http: unknown PEER ${peer}`);

let close = async () => {};
if (role === 'api') {
  const app = new Hono();
  app.post('/api/accounts/:accountId/tasks', async (c) => {
    const accountId = c.req.param('accountId');
    const body: unknown = await c.req.json().catch(() => null);
    if (!body || typeof body !== 'object' || typeof (body as { type?: unknown }).type !== 'string') {
      return c.json({ error: { code: 'invalid_request', message: 'a JSON object with a string `type` is required' } }, 400);
    }
    const jobId = await system.insert(accountId, { accountId, ...(body as Record<string, unknown>) });
    return c.json({ jobId, accountId, status: 'queued' }, 202);
  });
  app.get('/pending', async (c) => c.json({ pending: await system.pending() }));
  app.get('/health', (c) => c.json({ ok: true }));
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(env('PORT')) });
  close = () => new Promise<void>((done) => {
    server.close(() => done());
    (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
  });
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    await close();
    await system.stop().catch(() => {});
    process.exit(0);
  });
}
