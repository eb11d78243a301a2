/**
 * Peak memory of the interaction export: inserts N generated events into a fresh Postgres schema, serves
 * the real API over HTTP in this process and streams `GET /api/interactions/export?format=csv` of all of
 * them into nothing, counting rows and bytes. Run under `/usr/bin/time -v` and compare
 * "Maximum resident set size" for 100,000 and 1,000,000 rows: a streamed export stays flat.
 *
 *   /usr/bin/time -v node --import tsx bench/export-memory.ts --rows=1000000 [--format=json]
 *
 * Postgres: BENCH_DATABASE_URL, default the test database. The schema is dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { listen } from '../api/listen';
import { buildApi } from '../api/wiring';
import { loadConfig } from '../config/env';
import { createLogger } from '../config/logger';
import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { TEST_DATABASE_URL } from '../test/helpers/database';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const rows = Number(arg('rows') ?? 1_000_000);
const format = arg('format') === 'json' ? 'json' : 'csv';
const baseUrl = process.env.BENCH_DATABASE_URL ?? TEST_DATABASE_URL;

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const schema = `bench_export_${randomBytes(4).toString('hex')}`;
const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE SCHEMA "${schema}"`);
const url = `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}search_path=${schema}`;
const database = await openDatabase({ url, dataDir: '.data/bench-export' });
try {
  await migrateDatabase(database);
  let t = performance.now();
  // Values with commas, quotes and a formula prefix now and then, so the CSV writer has work to do.
  await database.execute(`
    INSERT INTO interaction_events (account_id, target, action, status, reason, task_id, worker_id, latency_ms, ts, metadata)
    SELECT 'acct-' || (i % 1000),
           CASE WHEN i % 50 = 0 THEN '=target, "' || i || '"' ELSE 'user:' || (i % 100000) END,
           (ARRAY['follow','like','comment','dm'])[1 + i % 4],
           (ARRAY['success','success','success','dedupe_hit','failed','retry'])[1 + i % 6],
           CASE WHEN i % 6 = 4 THEN 'permanent_error' END,
           md5(i::text), 'baton-worker@bench:' || (i % 4), 20 + i % 500,
           now() - (i * interval '1 second'),
           jsonb_build_object('type', 'simulate', 'attempt', 1 + i % 3)
    FROM generate_series(1, ${rows}) AS i`);
  await database.execute(`ANALYZE interaction_events`);
  console.log(`inserted ${rows.toLocaleString('en')} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const config = loadConfig({ LOG_LEVEL: 'warn', TEMPORAL_ADDRESS: '127.0.0.1:9', DATABASE_URL: url, API_RATE_LIMIT_RPS: '0' });
  const api = await buildApi({ config, database, log: createLogger('warn', 'bench') });
  const server = await listen(api.app.fetch, '127.0.0.1', 0);
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);

  t = performance.now();
  const res = await fetch(`${server.url}/api/interactions/export?format=${format}`);
  if (!res.ok || !res.body) throw new Error(`export answered ${res.status}: ${await res.text()}`);
  let bytes = 0;
  let newlines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) newlines++;
  }
  const seconds = (performance.now() - t) / 1000;
  clearInterval(sampler);
  // CSV: a header line, then a line per row (no value here holds a newline). JSON: a line per row between "[" and "]" lines.
  const exported = format === 'csv' ? newlines - 1 : newlines - 2;
  console.log(`exported ${exported.toLocaleString('en')} rows, ${bytes.toLocaleString('en')} bytes (${mib(bytes)}) as ${format} in ${seconds.toFixed(1)} s (${Math.round(exported / seconds).toLocaleString('en')} rows/s)`);
  console.log(`content-type: ${res.headers.get('content-type')}; content-disposition: ${res.headers.get('content-disposition')}`);
  console.log(`RSS before the export ${mib(rssBefore)}, peak during it ${mib(peakRss)} (sampled every 50 ms)`);
  if (exported !== rows) throw new Error(`expected ${rows} rows, got ${exported}`);
  await api.closeStreams();
  await server.close();
  await api.close();
} finally {
  await database.close();
  await admin.unsafe(`DROP SCHEMA "${schema}" CASCADE`);
  await admin.end();
}
