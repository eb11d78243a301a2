/**
 * Where a measured window's time went, from outside the processes: CPU per process (from /proc), the
 * whole machine's busy share (others' work included: the bench shares its cores), and what Postgres's
 * active backends were doing (pg_stat_activity sampled: running, or waiting on a lock, on the client, ...).
 */
import { readdir, readFile } from 'node:fs/promises';
import type postgres from 'postgres';

/** utime + stime of a process, in seconds (100 clock ticks a second on Linux); NaN once it is gone. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return NaN;
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of every process whose command is `comm` (e.g. every Postgres backend), by pid. */
async function commCpuSeconds(comm: string): Promise<Map<string, number>> {
  const byPid = new Map<string, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (!stat.startsWith(`${entry} (${comm})`)) continue;
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    byPid.set(entry, (Number(fields[11]) + Number(fields[12])) / 100);
  }
  return byPid;
}

/** CPU used between two readings by the processes alive at the second (those that ended meanwhile are missed). */
function cpuBetween(a: Map<string, number>, b: Map<string, number>): number {
  let total = 0;
  for (const [pid, s] of b) total += s - (a.get(pid) ?? 0);
  return total;
}

async function machineTicks(): Promise<{ busy: number; total: number }> {
  const [cpu] = (await readFile('/proc/stat', 'utf8')).split('\n');
  const v = cpu!.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3]! + v[4]!; // idle + iowait
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuFigures {
  /** Per named process: percent of one core over the window. */
  processes: Record<string, number>;
  /** Every `postgres` process on the machine (other users of the server included; backends that ended during the window are missed), percent of one core. */
  postgresAll: number;
  /** The bench process itself (load generator), percent of one core. */
  bench: number;
  /** The whole machine, percent of all its cores: above the processes' sum is others' work. */
  machineBusy: number;
  seconds: number;
}

export async function cpuProbe(pids: Record<string, number>) {
  const read = async () => ({
    at: performance.now(),
    procs: Object.fromEntries(await Promise.all(Object.entries(pids).map(async ([k, pid]) => [k, await cpuSeconds(pid)] as const))),
    pg: await commCpuSeconds('postgres'),
    bench: process.cpuUsage(),
    machine: await machineTicks(),
  });
  const a = await read();
  return {
    async stop(): Promise<CpuFigures> {
      const b = await read();
      const seconds = (b.at - a.at) / 1000;
      const pct = (x: number) => Math.round((x / seconds) * 1000) / 10;
      const benchUs = b.bench.user + b.bench.system - a.bench.user - a.bench.system;
      return {
        processes: Object.fromEntries(Object.keys(pids).map((k) => [k, pct(b.procs[k]! - a.procs[k]!)])),
        postgresAll: pct(cpuBetween(a.pg, b.pg)),
        bench: pct(benchUs / 1e6),
        machineBusy: Math.round(((b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total)) * 1000) / 10,
        seconds,
      };
    },
  };
}

/**
 * Samples pg_stat_activity every `everyMs` for the current database: the mean number of non-idle backends
 * in each state (`active`, `Lock:transactionid`, `Client:ClientRead`, `idle in transaction`, ...).
 */
export function pgActivityProbe(sql: postgres.Sql, everyMs = 200) {
  const counts = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const rows = await sql`
        select case when state = 'active' then coalesce(wait_event_type || ':' || wait_event, 'active (on CPU)') else state end as what, count(*)::int as n
        from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and state is not null and state <> 'idle' and backend_type = 'client backend'
        group by 1`.catch(() => []);
      samples += 1;
      for (const r of rows) counts.set(r.what as string, (counts.get(r.what as string) ?? 0) + (r.n as number));
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop(): Promise<Record<string, number>> {
      stopped = true;
      await loop;
      return Object.fromEntries([...counts.entries()].sort((x, y) => y[1] - x[1]).map(([k, n]) => [k, Math.round((n / Math.max(1, samples)) * 100) / 100]));
    },
  };
}
