/**
 * Retention's deletion rate: a private database on the Postgres at BENCH_DATABASE_URL (default the test
 * server) gets a ledger of `--tasks` finished tasks past `taskRetentionDays` (default 1,000,000; three events
 * each, 20 error rows per account) beside rows that must stay (recent finished tasks, live ones, suspended
 * accounts), generated with INSERT … SELECT generate_series, then `cleanupTasks` deletes what is due in
 * batches of `--batch` (default RETENTION_BATCH_SIZE). Measured: rows per second, each batch's time (the
 * time it holds its row and advisory locks), the intake's latency meanwhile (a submission every 100 ms,
 * through `storeSubmissions`, as the API stores one), and how long migration 0009's index takes to build.
 * It checks that every row that must stay is still there. The database is dropped afterwards.
 *
 *   npm run bench:retention [-- --tasks=1000000 --batch=5000]
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import pg from 'pg';
import { cleanupTasks, RETENTION_BATCH_SIZE } from '../activities/cleanup';
import { storeSubmissions } from '../api/intake/store';
import { loadConfig } from '../config/env';
import { defaultSettings } from '../config/settings';
import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { createSettingsStore } from '../db/settings-store';
import { TEST_DATABASE_URL } from '../test/helpers/database';
import { summary, table } from './lib/stats';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const TASKS = Number(arg('tasks') ?? 1_000_000);
const BATCH = Number(arg('batch') ?? RETENTION_BATCH_SIZE);
const ACCOUNTS = Math.max(1, Math.round(TASKS / 100)); // 100 old tasks per account
const KEPT_FINISHED = Math.round(TASKS / 10);
const LIVE = Math.round(TASKS / 100);
const baseUrl = process.env.BENCH_DATABASE_URL ?? TEST_DATABASE_URL;

const dbName = `bench_retention_${randomBytes(4).toString('hex')}`;
const withDb = (name: string) => {
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
};
const admin = new pg.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = withDb(dbName);
const database = await openDatabase({ url, dataDir: '.data/bench-retention' });
const log = (msg: string) => console.log(`[retention bench] ${msg}`);
const count = async (q: string) => Number(((await database.execute(q)) as { rows: { n: string }[] }).rows[0]!.n);

try {
  await migrateDatabase(database);
  const serverVersion = ((await database.execute('SHOW server_version')) as { rows: { server_version: string }[] }).rows[0]!.server_version;
  let t = performance.now();
  // The ordering trigger takes an advisory lock and a sequence value per event: off while seeding (this
  // database is the bench's own), on again before the measurement.
  await database.execute('ALTER TABLE task_events DISABLE TRIGGER USER');
  // Finished 31 to 120 days ago: all past the 30-day default.
  await database.execute(`
    INSERT INTO tasks (task_id, account_id, type, payload, status, attempts, created_at, started_at, finished_at, delivered_at, updated_at, error)
    SELECT 'old-' || i, 'acct-' || (i % ${ACCOUNTS}), 'webhook', jsonb_build_object('n', i, 'target', 'user:' || (i % 50000)),
           (ARRAY['succeeded','succeeded','succeeded','succeeded','succeeded','succeeded','succeeded','failed','skipped','cancelled'])[1 + i % 10],
           1, f - interval '1 minute', f - interval '30 seconds', f, f - interval '59 seconds', f,
           CASE WHEN i % 10 = 7 THEN '{"code":"permanent_error","message":"bad request"}'::jsonb END
    FROM (SELECT i, now() - interval '31 days' - (i % 89) * interval '1 day' - (i % 86400) * interval '1 second' AS f
          FROM generate_series(1, ${TASKS}) AS i) AS g`);
  await database.execute(`
    INSERT INTO task_events (task_id, account_id, type, at, data)
    SELECT t.task_id, t.account_id, e.type, t.created_at + e.k * interval '10 seconds', jsonb_build_object('attempt', 1)
    FROM tasks t CROSS JOIN (VALUES (0, 'queued'), (1, 'started'), (2, 'terminal')) AS e(k, type)`);
  // What must stay: recent finished tasks, live tasks (some queued for weeks), their accounts.
  await database.execute(`
    INSERT INTO tasks (task_id, account_id, type, payload, status, attempts, created_at, finished_at, delivered_at, updated_at)
    SELECT 'new-' || i, 'recent-' || (i % 1000), 'webhook', '{}', 'succeeded', 1, now() - interval '2 days', now() - interval '1 day', now(), now()
    FROM generate_series(1, ${KEPT_FINISHED}) AS i`);
  await database.execute(`
    INSERT INTO tasks (task_id, account_id, type, payload, status, attempts, created_at, delivered_at, updated_at)
    SELECT 'live-' || i, 'acct-' || (i % ${ACCOUNTS}) || '-live', 'webhook', '{}',
           CASE WHEN i % 2 = 0 THEN 'queued' ELSE 'running' END, 0, now() - interval '45 days', now(), now()
    FROM generate_series(1, ${LIVE}) AS i`);
  await database.execute(`
    INSERT INTO task_events (task_id, account_id, type, at)
    SELECT task_id, account_id, 'queued', created_at FROM tasks WHERE task_id NOT LIKE 'old-%'`);
  await database.execute('ALTER TABLE task_events ENABLE TRIGGER USER');
  await database.execute(`
    INSERT INTO account_states (account_id, state, updated_at)
    SELECT account_id, 'AVAILABLE', now() - interval '31 days' FROM (SELECT DISTINCT account_id FROM tasks) AS a`);
  await database.execute(`
    INSERT INTO account_states (account_id, state, suspended_reason, updated_at)
    SELECT 'suspended-' || i, 'SUSPENDED', 'operator', now() - interval '90 days' FROM generate_series(1, 100) AS i`);
  await database.execute(`
    INSERT INTO account_errors (account_id, task_id, kind, code, message, at)
    SELECT 'acct-' || (i % ${ACCOUNTS}), 'old-' || i, 'failed', 'permanent_error', 'bad request', now() - interval '40 days' - (i % 50) * interval '1 day'
    FROM generate_series(1, ${ACCOUNTS * 20}) AS i`);
  await database.execute('ANALYZE');
  const seedSeconds = (performance.now() - t) / 1000;
  const before = {
    tasks: await count('SELECT count(*) AS n FROM tasks'),
    taskEvents: await count('SELECT count(*) AS n FROM task_events'),
    accounts: await count('SELECT count(*) AS n FROM account_states'),
    accountErrors: await count('SELECT count(*) AS n FROM account_errors'),
  };
  log(`seeded in ${seedSeconds.toFixed(0)} s: ${JSON.stringify(before)}`);

  // Migration 0009's index, built again on this ledger: how long an upgrade holds writes to tasks.
  await database.execute('DROP INDEX tasks_finished_idx');
  t = performance.now();
  await database.execute('CREATE INDEX tasks_finished_idx ON tasks USING btree (finished_at) WHERE finished_at IS NOT NULL');
  const indexSeconds = (performance.now() - t) / 1000;
  log(`tasks_finished_idx built in ${indexSeconds.toFixed(1)} s`);

  // The intake beside the deletion: one submission every 100 ms to an account whose old tasks are going.
  const config = loadConfig({ DATABASE_URL: url });
  const intakeMs: number[] = [];
  const intakeErrors: string[] = [];
  let probing = true;
  const probe = (async () => {
    for (let i = 0; probing; i++) {
      const t0 = performance.now();
      const spec = { taskId: `probe-${i}`, type: 'webhook', payload: {}, submittedAtMs: Date.now() };
      try {
        const [r] = await storeSubmissions(database.db, [{ accountId: `acct-${(i * 7919) % ACCOUNTS}`, spec }], 10_000);
        if (r?.kind !== 'queued') intakeErrors.push(`probe ${i}: ${JSON.stringify(r)}`);
        intakeMs.push(performance.now() - t0);
      } catch (err) {
        intakeErrors.push(`probe ${i}: ${String(err)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();

  const batches: { phase: string; ms: number; rows: number }[] = [];
  const settings = createSettingsStore(database.db, defaultSettings(config), 0);
  t = performance.now();
  const result = await cleanupTasks(database.db, settings, { batchSize: BATCH, onBatch: (b) => batches.push(b) });
  const seconds = (performance.now() - t) / 1000;
  probing = false;
  await probe;

  const after = {
    oldFinished: await count("SELECT count(*) AS n FROM tasks WHERE task_id LIKE 'old-%'"),
    keptFinished: await count("SELECT count(*) AS n FROM tasks WHERE task_id LIKE 'new-%'"),
    live: await count("SELECT count(*) AS n FROM tasks WHERE task_id LIKE 'live-%'"),
    suspended: await count("SELECT count(*) AS n FROM account_states WHERE state = 'SUSPENDED'"),
    probeAccounts: await count("SELECT count(DISTINCT t.account_id) AS n FROM tasks t JOIN account_states a USING (account_id) WHERE t.task_id LIKE 'probe-%'"),
    probeTasks: await count("SELECT count(*) AS n FROM tasks WHERE task_id LIKE 'probe-%'"),
  };
  const problems = [
    ...intakeErrors,
    after.oldFinished !== 0 && `${after.oldFinished} old finished tasks left`,
    after.keptFinished !== KEPT_FINISHED && `recent finished tasks: ${after.keptFinished} of ${KEPT_FINISHED}`,
    after.live !== LIVE && `live tasks: ${after.live} of ${LIVE}`,
    after.suspended !== 100 && `suspended accounts: ${after.suspended} of 100`,
    after.probeTasks !== intakeMs.length && `intake probes: ${after.probeTasks} of ${intakeMs.length} stored`,
    // Every account the intake stored into during the run still has its row.
    after.probeAccounts !== (await count("SELECT count(DISTINCT account_id) AS n FROM tasks WHERE task_id LIKE 'probe-%'")) && 'an account row of a probe went',
  ].filter(Boolean);

  const rows = Object.values(result.deleted).reduce((a, b) => a + b, 0);
  const byPhase = (phase: string) => summary(batches.filter((b) => b.phase === phase).map((b) => b.ms));
  const out = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), postgres: serverVersion, load1: os.loadavg()[0] },
    configuration: { tasks: TASKS, accounts: ACCOUNTS, batch: BATCH, eventsPerTask: 3, errorRowsPerAccount: 20, keptFinished: KEPT_FINISHED, live: LIVE },
    seedSeconds, indexSeconds, before, deleted: result.deleted, seconds,
    tasksPerSecond: result.deleted.tasks / seconds, rowsPerSecond: rows / seconds,
    batches: result.batches,
    batchMs: { tasks: byPhase('tasks'), accountErrors: byPhase('account_errors'), accounts: byPhase('accounts') },
    intakeMs: summary(intakeMs), after, problems,
  };
  await writeFile(`bench/results/retention-${out.at.replace(/[:.]/g, '-')}.json`, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nRetention of ${TASKS.toLocaleString('en')} finished tasks (${rows.toLocaleString('en')} rows with events, errors and accounts), batch ${BATCH}, ${out.machine.cpus} CPUs, Postgres ${serverVersion}`);
  console.log(table([
    ['', 'value'],
    ['deleted: tasks / events / error rows / accounts', `${result.deleted.tasks} / ${result.deleted.taskEvents} / ${result.deleted.accountErrors} / ${result.deleted.accounts}`],
    ['seconds', seconds],
    ['tasks/s', out.tasksPerSecond],
    ['rows/s (all tables)', out.rowsPerSecond],
    ['batch ms, tasks: p50 / p95 / max', `${out.batchMs.tasks.p50.toFixed(0)} / ${out.batchMs.tasks.p95.toFixed(0)} / ${out.batchMs.tasks.max.toFixed(0)}`],
    ['batch ms, error rows: p50 / max', `${out.batchMs.accountErrors.p50.toFixed(0)} / ${out.batchMs.accountErrors.max.toFixed(0)}`],
    ['batch ms, accounts: p50 / max', `${out.batchMs.accounts.p50.toFixed(0)} / ${out.batchMs.accounts.max.toFixed(0)}`],
    ['intake meanwhile ms: p50 / p99 / max', `${out.intakeMs.p50.toFixed(1)} / ${out.intakeMs.p99.toFixed(1)} / ${out.intakeMs.max.toFixed(1)} (${intakeMs.length} submissions)`],
    ['tasks_finished_idx build, s', indexSeconds],
  ]));
  if (problems.length) {
    console.error(`\nPROBLEMS: ${problems.join('; ')}`);
    process.exitCode = 1;
  }
} finally {
  await database.close();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
