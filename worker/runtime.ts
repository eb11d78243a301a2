/**
 * Installs the Temporal SDK runtime once per process: its log lines go through pino (structured, one
 * format for the whole process) and, when asked, its own metrics are exported for Prometheus.
 */
import { Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Logger } from '../config/logger';

export function installTemporalRuntime(log: Logger, metricsBindAddress?: string): void {
  const sdk = log.child({ component: 'temporal-sdk' });
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const fields = meta ?? {};
    switch (level) {
      case 'TRACE': return sdk.trace(fields, message);
      case 'DEBUG': return sdk.debug(fields, message);
      case 'INFO': return sdk.debug(fields, message); // the SDK's INFO lines (state changes) are noise at info
      case 'WARN': return sdk.warn(fields, message);
      case 'ERROR': return sdk.error(fields, message);
    }
  };
  try {
    Runtime.install({
      logger: {
        log: write,
        trace: (m, meta) => write('TRACE', m, meta),
        debug: (m, meta) => write('DEBUG', m, meta),
        info: (m, meta) => write('INFO', m, meta),
        warn: (m, meta) => write('WARN', m, meta),
        error: (m, meta) => write('ERROR', m, meta),
      },
      ...(metricsBindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsBindAddress } } } } : {}),
    });
  } catch (err) {
    // Already installed in this process (tests build several workers): keep the first one.
    if (!(err instanceof Error) || !/already/i.test(err.message)) throw err;
  }
}
