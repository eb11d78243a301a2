/**
 * The worker's Prometheus metrics: task runs by type and outcome, and how long they take. Served on
 * WORKER_METRICS_PORT when it is set.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface WorkerMetrics {
  registry: Registry;
  taskFinished(type: string, outcome: string, durationMs: number): void;
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
  return {
    registry,
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
