/**
 * Open-loop HTTP load at a fixed rate: request i is sent at `i / rate` seconds whether or not earlier ones
 * have answered. Bounded: exactly `rate × seconds` requests, at most `maxSockets` connections, every
 * request ended after `timeoutMs` (counted as an error), and only ever to 127.0.0.1.
 *
 * Latency is measured from the moment a request is handed to Node's HTTP client to the end of its
 * answer, so a request waiting for one of the `maxSockets` connections counts that wait. `sendLag` is how
 * late the generator itself sent requests (its own event loop falling behind): when it is large, the
 * latencies say as much about the bench process as about the server.
 */
import http from 'node:http';
import { summary } from './stats';

export interface LoadOptions {
  /** `http://127.0.0.1:<port>`: anything else is refused. */
  base: string;
  rate: number;
  seconds: number;
  path(i: number): string;
  body(i: number): string;
  /** The status that counts as success. */
  expect: number;
  timeoutMs?: number;
  maxSockets?: number;
}

export interface LoadResult {
  requests: number;
  ratePerSecond: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  /** Errors by kind: an unexpected status (`status 503`) or a socket error code (`ECONNRESET`, `timeout`). */
  errorKinds: Record<string, number>;
  /** How late the generator sent its requests, ms (p99 and max). */
  sendLagP99: number;
  sendLagMax: number;
  /** From the first send to the last answer, s. */
  wallSeconds: number;
}

export async function openLoop(o: LoadOptions): Promise<LoadResult> {
  const url = new URL(o.base);
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') throw new Error(`load generator: only http://127.0.0.1 is a target, not ${o.base}`);
  const port = Number(url.port);
  const timeoutMs = o.timeoutMs ?? 30_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets ?? 256 });
  const total = Math.round(o.rate * o.seconds);
  const interval = 1000 / o.rate;
  const latencies: number[] = [];
  const lags: number[] = [];
  const errorKinds: Record<string, number> = {};
  let errors = 0;
  const fail = (kind: string) => {
    errors += 1;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };

  const send = (i: number) =>
    new Promise<void>((resolve) => {
      const body = o.body(i);
      const t = performance.now();
      let settled = false;
      const finish = (kind?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (kind) fail(kind);
        else latencies.push(performance.now() - t);
        resolve();
      };
      const req = http.request(
        { agent, host: '127.0.0.1', port, path: o.path(i), method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => finish(res.statusCode === o.expect ? undefined : `status ${res.statusCode}`));
          res.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? 'response error'));
        },
      );
      const timer = setTimeout(() => {
        finish('timeout');
        req.destroy();
      }, timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
      req.end(body);
    });

  const inflight: Promise<void>[] = [];
  const started = performance.now();
  try {
    for (let i = 0; i < total; i++) {
      const due = started + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      lags.push(Math.max(0, performance.now() - due));
      inflight.push(send(i));
    }
    await Promise.all(inflight);
  } finally {
    agent.destroy();
  }
  const s = summary(latencies);
  const lag = summary(lags);
  return {
    requests: total,
    ratePerSecond: o.rate,
    seconds: o.seconds,
    p50: s.p50,
    p99: s.p99,
    max: s.max,
    errors,
    errorKinds,
    sendLagP99: lag.p99,
    sendLagMax: lag.max,
    wallSeconds: (performance.now() - started) / 1000,
  };
}
