/**
 * What a Postgres outage does to a driver's pool, without Baton: 40 loops run small transactions through
 * one pool of 10 connections (as a busy worker does), the private cluster is stopped (`pg_ctl stop -m
 * fast`) for 5 s and started again, and the probe watches for PROBE_SECONDS (60) more.
 *
 *   node --import tsx test/chaos/postgres-outage-probe.ts                     # node-postgres (Baton's driver)
 *   PROBE_DRIVER=postgres.js node --import tsx test/chaos/postgres-outage-probe.ts
 *
 * It reports (exit 1 when either happens) uncaught exceptions, and queries that hang long after the server
 * is back. postgres.js 3.4.9, which Baton used first, shows both: `TypeError: Cannot read properties of
 * null (reading 'write')` thrown from a setImmediate in its connection.js `nextWrite`, which ends a
 * process without an uncaughtException handler; and connections that never send their startup message
 * again and fail each query after the 30 s connect timeout while the server is healthy (upstream
 * porsager/postgres #1066, #1154, #1208). That is why db/client.ts uses node-postgres.
 */
import pg from 'pg';
import postgres from 'postgres';
import { freePort } from '../../scripts/temporal-cli';
import { startPrivatePostgres } from '../helpers/private-postgres';

const watchSeconds = Number(process.env.PROBE_SECONDS ?? 60);
const t0 = Date.now();
const now = () => Date.now() - t0;
const uncaught: string[] = [];
process.on('uncaughtException', (err) => {
  uncaught.push(`${now()} ms: ${String(err.stack).split('\n').slice(0, 2).join(' ')}`);
});

const server = await startPrivatePostgres(await freePort(), (m) => console.log(m));
const driver = process.env.PROBE_DRIVER === 'postgres.js' ? 'postgres.js' : 'node-postgres';
console.log(`driver: ${driver}`);

/** One transaction of the probe on the chosen driver. */
let transaction: () => Promise<void>;
let closeDriver: () => Promise<void>;
if (driver === 'postgres.js') {
  const sql = postgres(server.url, { max: 10, onnotice: () => {} });
  await sql`CREATE TABLE probe (id serial PRIMARY KEY, v text)`;
  transaction = async () => {
    await sql.begin(async (tx) => {
      await tx`INSERT INTO probe (v) VALUES ('x')`;
      await tx`SELECT count(*) FROM probe WHERE id > 0`;
    });
  };
  closeDriver = () => sql.end({ timeout: 1 });
} else {
  // Configured as db/client.ts configures it.
  const pool = new pg.Pool({ connectionString: server.url, max: 10, keepAlive: true, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  await pool.query('CREATE TABLE probe (id serial PRIMARY KEY, v text)');
  transaction = async () => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query("INSERT INTO probe (v) VALUES ('x')");
      await client.query('SELECT count(*) FROM probe WHERE id > 0');
      await client.query('COMMIT');
    } catch (err) {
      broken = err as Error;
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release(broken);
    }
  };
  closeDriver = () => pool.end();
}

let stop = false;
let restartedAt = Infinity;
const outstanding = new Map<number, number>(); // query number → start
const hungAfterRestart = new Map<number, { startedAt: number; ms: number; error: string }>();
const errors = new Map<string, number>();
let n = 0;
let ok = 0;
async function loop(): Promise<void> {
  while (!stop) {
    const q = n++;
    const started = now();
    outstanding.set(q, started);
    try {
      await transaction();
      ok++;
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).message ?? String(err);
      errors.set(code, (errors.get(code) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 200));
      const ms = now() - started;
      // A query that failed more than 10 s after it started, with the server up again for a while.
      if (ms > 10_000 && now() > restartedAt + 1000) hungAfterRestart.set(q, { startedAt: started, ms, error: code });
    } finally {
      outstanding.delete(q);
    }
  }
}

const loops = Array.from({ length: 40 }, loop);
await new Promise((r) => setTimeout(r, 3000));
console.log(`${now()} ms: stopping Postgres (fast) for 5 s with ${outstanding.size} transactions in flight`);
await server.stop('fast');
await new Promise((r) => setTimeout(r, 5000));
await server.start();
restartedAt = now();
console.log(`${restartedAt} ms: Postgres is back`);
for (let waited = 0; waited < watchSeconds; waited += 10) {
  await new Promise((r) => setTimeout(r, 10_000));
  const old = [...outstanding.values()].filter((s) => now() - s > 5000);
  console.log(`${now()} ms: ${ok} transactions committed so far; ${old.length} in flight for more than 5 s (oldest started at ${Math.min(...old, Infinity)} ms)`);
}
stop = true;
const settled = await Promise.race([Promise.all(loops).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 35_000))]);
await closeDriver().catch(() => {});
await server.destroy();

console.log(`errors by code: ${JSON.stringify(Object.fromEntries(errors))}`);
console.log(`uncaught exceptions: ${uncaught.length}${uncaught.length ? `\n  ${uncaught.slice(0, 3).join('\n  ')}` : ''}`);
const hung = [...hungAfterRestart.values()].filter((h) => h.startedAt > restartedAt);
console.log(`queries started after the restart that hung > 10 s and failed: ${hung.length}${hung.length ? ` (e.g. ${JSON.stringify(hung.slice(0, 3))})` : ''}`);
if (!settled) console.log('some transactions were still pending 35 s after the probe stopped issuing new ones');
const broken = uncaught.length > 0 || hung.length > 0 || !settled;
console.log(broken ? 'RESULT: the driver does not survive a Postgres restart cleanly' : 'RESULT: clean');
process.exit(broken ? 1 : 0);
