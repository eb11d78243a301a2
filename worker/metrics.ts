/**
 * The worker's Prometheus metrics: task runs by type and outcome, and how long they take, and where an
 * idle worker's memory is (the workflow cache and the workflow threads' V8 heaps, which the process's own
 * `nodejs_heap_*` gauges do not include). Served on WORKER_METRICS_PORT when it is set.
 */
import { createServer, type Server } from 'node:http';
import type { Worker as NodeWorkerThread } from 'node:worker_threads';
import type { Worker } from '@temporalio/worker';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface WorkerMetrics {
  registry: Registry;
  taskFinished(type: string, outcome: string, durationMs: number): void;
  /** Adds the gauges that read a running Temporal worker: its workflow cache and workflow threads. */
  observe(worker: Worker): void;
}

/**
 * The Node worker threads the SDK runs workflows in. The SDK does not expose them: this reads its
 * (protected) workflow creator, and answers none when a later SDK lays it out differently or runs
 * workflows in the main thread (debug mode).
 */
export function workflowThreads(worker: Worker): NodeWorkerThread[] {
  const creator = (worker as unknown as { workflowCreator?: { workerThreadClients?: { workerThread?: NodeWorkerThread }[] } }).workflowCreator;
  return (creator?.workerThreadClients ?? []).flatMap((c) => (c.workerThread ? [c.workerThread] : []));
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'baton_worker_' });
  const runs = new Counter({
    name: 'baton_task_runs_total',
    help: 'Task runs finished, by task type and outcome (succeeded, failed, skipped, cancelled, rate_limited, retry)',
    labelNames: ['type', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'baton_task_run_duration_seconds',
    help: 'Duration of one run of a task handler',
    labelNames: ['type'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
    registers: [registry],
  });
  let observed: Worker | undefined;
  new Gauge({
    name: 'baton_worker_cached_workflows',
    help: 'Account workflows held in the worker\'s sticky cache (at most WORKER_MAX_CACHED_WORKFLOWS)',
    registers: [registry],
    collect() {
      if (observed) this.set(observed.getStatus().numCachedWorkflows);
    },
  });
  new Gauge({
    name: 'baton_worker_workflow_thread_heap_bytes',
    help: 'V8 heap of the workflow threads, all threads summed: used, and total (what V8 holds for it)',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      if (!observed) return;
      let used = 0;
      let total = 0;
      for (const thread of workflowThreads(observed)) {
        // Node ≥ 24: the thread's own heap statistics, read without stopping it. A thread that has exited answers nothing.
        const stats = await thread.getHeapStatistics().catch(() => undefined);
        used += stats?.used_heap_size ?? 0;
        total += stats?.total_heap_size ?? 0;
      }
      this.set({ kind: 'used' }, used);
      this.set({ kind: 'total' }, total);
    },
  });
  return {
    registry,
    observe(worker) {
      observed = worker;
    },
    taskFinished(type, outcome, durationMs) {
      runs.inc({ type, outcome });
      duration.observe({ type }, durationMs / 1000);
    },
  };
}

export function serveMetrics(registry: Registry, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'only /metrics here', details: null } }));
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}
