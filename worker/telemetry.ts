/**
 * The worker's telemetry, started the same way by `npm run worker` and `npm start`: the Temporal runtime
 * (with the core's Prometheus endpoint when TEMPORAL_METRICS_PORT is set) and Baton's own worker metrics
 * (served when WORKER_METRICS_PORT is set). The runtime must be installed before the first worker.
 */
import type { Started } from '../config/start-up';
import { createWorkerMetrics, serveMetrics, type WorkerMetrics } from './metrics';
import { installTemporalRuntime } from './runtime';

export interface WorkerTelemetry {
  metrics: WorkerMetrics;
  close(): Promise<void>;
}

export async function startWorkerTelemetry({ config, log }: Started): Promise<WorkerTelemetry> {
  installTemporalRuntime(log, config.TEMPORAL_METRICS_PORT ? `${config.METRICS_HOST}:${config.TEMPORAL_METRICS_PORT}` : undefined);
  const metrics = createWorkerMetrics();
  const server = config.WORKER_METRICS_PORT ? await serveMetrics(metrics.registry, config.METRICS_HOST, config.WORKER_METRICS_PORT) : undefined;
  return { metrics, close: async () => void server?.close() };
}
