/**
 * The API process's Prometheus registry: request latency by route and status, the open event streams and
 * what they sent, the intake and relay, dedupe keys, and the account picture from the Postgres projection
 * (accounts by state, queued tasks, active cooldowns), read when Prometheus scrapes. `GET /metrics`
 * (api/routes/prometheus.ts) serves it.
 */
import type { MiddlewareHandler } from 'hono';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppDeps } from '../app';
import type { AppEnv } from '../router';
import { registerDedupeKeyMetrics } from './dedupe-key-metrics';
import { accountsByState, type AccountsOfState } from '../queries/accounts-by-state';
import { undeliveredTasks } from '../queries/undelivered-tasks';

/** The figures of the open event streams, read when Prometheus scrapes. */
function streamMetrics(registry: Registry, stats: AppDeps['notifications']['streams']['stats']) {
  const kinds = ['task', 'account'] as const;
  new Gauge({
    name: 'baton_event_streams_open', help: 'Open Server-Sent Event streams by kind', labelNames: ['kind'] as const, registers: [registry],
    collect() {
      for (const kind of kinds) this.set({ kind }, stats.open[kind]);
    },
  });
  // Counters set from the running totals at each scrape (reset, then the total).
  new Counter({
    name: 'baton_event_stream_events_sent_total', help: 'Events written to Server-Sent Event streams by kind', labelNames: ['kind'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const kind of kinds) this.inc({ kind }, stats.sent[kind]);
    },
  });
  new Counter({
    name: 'baton_event_streams_refused_total', help: 'Event streams refused with 429, by the limit (caller or process)', labelNames: ['limit'] as const, registers: [registry],
    collect() {
      this.reset();
      for (const limit of ['caller', 'process'] as const) this.inc({ limit }, stats.refused[limit]);
    },
  });
  new Counter({
    name: 'baton_event_stream_account_reads_total', help: 'Reads of changed account rows, each shared by every account stream', registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.accountReads);
    },
  });
}

/** The intake: what waits in the ledger for its workflow, and what this process's relay delivered. */
function intakeMetrics(registry: Registry, deps: Pick<AppDeps, 'database' | 'relay'>) {
  const { db } = deps.database;
  const undelivered = () => undeliveredTasks(db).catch(() => null);
  new Gauge({
    name: 'baton_intake_undelivered_tasks', help: 'Acknowledged tasks not yet handed to their account workflow', registers: [registry],
    async collect() {
      this.set((await undelivered())?.n ?? 0);
    },
  });
  new Gauge({
    name: 'baton_intake_undelivered_oldest_seconds', help: 'Age of the oldest acknowledged task not yet handed to its workflow (0 when none)', registers: [registry],
    async collect() {
      this.set((await undelivered())?.oldestSeconds ?? 0);
    },
  });
  const { stats } = deps.relay;
  const totals: [string, string, () => number][] = [
    ['baton_relay_signals_total', "Signals this process's relay sent (one per account per delivery)", () => stats.signals],
    ['baton_relay_tasks_delivered_total', "Tasks this process's relay delivered", () => stats.tasksDelivered],
    ['baton_relay_failed_rounds_total', 'Relay rounds that failed (Temporal or Postgres unreachable); the tasks stay in the ledger', () => stats.failedRounds],
    ['baton_relay_delivery_lag_seconds_total', "Sum over deliveries of the oldest delivered task's wait since its 202", () => stats.lagMsSum / 1000],
  ];
  for (const [name, help, value] of totals) {
    new Counter({
      name, help, registers: [registry],
      collect() {
        this.reset();
        this.inc(value());
      },
    });
  }
}

export function createApiMetrics(deps: Pick<AppDeps, 'database' | 'notifications' | 'relay'>) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'baton_api_' });
  const requests = new Histogram({
    name: 'baton_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });
  streamMetrics(registry, deps.notifications.streams.stats);
  intakeMetrics(registry, deps);
  registerDedupeKeyMetrics(registry, deps.database.db);
  const { db } = deps.database;
  // One read of the projection per scrape, shared by the gauges (prom-client collects them in parallel).
  let snapshot: { at: number; rows: Promise<AccountsOfState[] | null> } | null = null;
  const read = () => {
    if (!snapshot || Date.now() - snapshot.at > 1000) {
      snapshot = { at: Date.now(), rows: accountsByState(db).catch(() => null) };
    }
    return snapshot.rows;
  };
  new Gauge({
    name: 'baton_accounts', help: 'Tracked accounts by state', labelNames: ['state'] as const, registers: [registry],
    async collect() {
      const rows = await read();
      for (const state of ['AVAILABLE', 'RUNNING', 'COOLDOWN', 'SUSPENDED']) this.set({ state }, rows?.find((r) => r.state === state)?.n ?? 0);
    },
  });
  new Gauge({
    name: 'baton_tasks_queued', help: 'Tasks waiting in account queues', registers: [registry],
    async collect() {
      this.set((await read())?.reduce((a, r) => a + r.queued, 0) ?? 0);
    },
  });
  new Gauge({
    name: 'baton_accounts_cooling_down', help: 'Accounts whose cooldown has not ended', registers: [registry],
    async collect() {
      this.set((await read())?.reduce((a, r) => a + r.cooling, 0) ?? 0);
    },
  });
  new Gauge({
    name: 'baton_projection_read_ok', help: '1 when the last scrape could read the account projection from Postgres', registers: [registry],
    async collect() {
      this.set((await read()) ? 1 : 0);
    },
  });

  const observe: MiddlewareHandler<AppEnv> = async (c, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      // The route pattern, not the path, so that ids do not explode the label set.
      const handler = [...c.req.matchedRoutes].reverse().find((r) => r.method !== 'ALL');
      const route = handler?.path ?? 'unmatched';
      requests.observe({ method: c.req.method, route, status: String(c.res.status) }, (performance.now() - start) / 1000);
    }
  };
  return { registry, observe };
}
