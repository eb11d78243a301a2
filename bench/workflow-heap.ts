/**
 * Where an idle worker's workflow memory is: touches N accounts once (one no-op task each) through a
 * worker and an API in this process, then takes a V8 heap snapshot of the workflow thread and sums it by
 * constructor, with the figures per cached workflow.
 *
 *   node --import tsx bench/workflow-heap.ts [--accounts=1000] [--snapshot=/tmp/workflow-thread.heapsnapshot]
 *
 * Baton settings come from the environment (WORKER_MAX_CACHED_WORKFLOWS=250 ...). Needs the Temporal CLI
 * (a dev server of its own) and Postgres at BENCH_DATABASE_URL (default the test database; a schema of its
 * own, dropped afterwards). Open the snapshot in Chrome DevTools (Memory tab) for retainers.
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { listen } from '../api/listen';
import { buildApi } from '../api/wiring';
import { loadConfig } from '../config/env';
import { createLogger } from '../config/logger';
import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { TEST_DATABASE_URL } from '../test/helpers/database';
import { startTestTemporal } from '../test/helpers/temporal';
import { createBatonWorker } from '../worker/create-worker';
import { workflowThreads } from '../worker/metrics';
import { installTemporalRuntime } from '../worker/runtime';
import { table } from './lib/stats';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const accounts = Number(arg('accounts') ?? 1000);
const snapshotFile = arg('snapshot') ?? '/tmp/workflow-thread.heapsnapshot';
const baseUrl = process.env.BENCH_DATABASE_URL ?? TEST_DATABASE_URL;
const MB = 2 ** 20;

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self sizes summed by node type and name (an object's name is its constructor's). */
function bySize(snap: HeapSnapshot) {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const groups = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + iType]!]!;
    // Strings and code are grouped by type alone: their names are their contents.
    const name = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + iName]!]! : '';
    const key = `${type}${name ? ` ${name.slice(0, 60)}` : ''}`;
    const size = snap.nodes[i + iSize]!;
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count += 1;
    g.bytes += size;
    groups.set(key, g);
    total += size;
  }
  return { total, groups: [...groups.entries()].sort((a, b) => b[1].bytes - a[1].bytes) };
}

const schema = `bench_heap_${randomBytes(3).toString('hex')}`;
const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE SCHEMA "${schema}"`);
const url = `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}search_path=${schema}`;
const temporal = await startTestTemporal();
try {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn', TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: url, API_RATE_LIMIT_RPS: '0', TEMPORAL_TASK_QUEUE: 'heap' });
  const log = createLogger('warn', 'bench');
  installTemporalRuntime(log);
  const database = await openDatabase({ url, dataDir: '.data/bench-heap' });
  await migrateDatabase(database);
  const baton = await createBatonWorker({ config, database, log });
  const running = baton.run();
  const api = await buildApi({ config, database, log });
  const server = await listen(api.app.fetch, '127.0.0.1', 0);
  const [thread] = workflowThreads(baton.worker);
  if (!thread) throw new Error('no workflow thread found (the SDK changed its layout, or runs workflows in the main thread)');
  const heap = async () => (await thread.getHeapStatistics()).used_heap_size / MB;
  console.log(`empty: workflow thread heap ${(await heap()).toFixed(1)} MB`);

  const tasks = Array.from({ length: accounts }, (_, a) => ({ accountId: `heap-${a}`, taskId: `heap.${a}`, type: 'sleep', payload: { ms: 0 } }));
  for (let i = 0; i < tasks.length; i += 1000) {
    const res = await fetch(`${server.url}/api/tasks/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tasks: tasks.slice(i, i + 1000) }) });
    if (res.status !== 202) throw new Error(`batch answered ${res.status}`);
  }
  for (;;) {
    const [row] = await admin.unsafe(`select count(*)::int as n from "${schema}".tasks where status = 'succeeded'`);
    if (row!.n >= accounts) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 3000));
  const cached = baton.worker.getStatus().numCachedWorkflows;
  const used = await heap();
  console.log(`${accounts} accounts touched once: ${cached} workflows cached, workflow thread heap ${used.toFixed(1)} MB`);

  await pipeline(await thread.getHeapSnapshot(), createWriteStream(snapshotFile));
  const snap = JSON.parse(await readFile(snapshotFile, 'utf8')) as HeapSnapshot;
  const { total, groups } = bySize(snap);
  const rows: (string | number)[][] = [['type and constructor', 'count', 'MB', 'count per cached workflow', 'kB per cached workflow']];
  for (const [key, g] of groups.slice(0, 30)) rows.push([key, g.count, g.bytes / MB, g.count / Math.max(1, cached), g.bytes / 1024 / Math.max(1, cached)]);
  console.log(`snapshot ${snapshotFile}: ${(total / MB).toFixed(1)} MB of live objects, ${(total / 1024 / Math.max(1, cached)).toFixed(1)} kB per cached workflow\n${table(rows)}`);

  await baton.shutdown();
  await running.catch(() => {});
  await api.closeStreams();
  await server.close();
  await api.close();
  await database.close();
} finally {
  await temporal.stop();
  await admin.unsafe(`DROP SCHEMA "${schema}" CASCADE`);
  await admin.end();
}
