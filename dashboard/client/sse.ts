/**
 * Follows an SSE endpoint over fetch (so the API key goes in a header), resuming with Last-Event-ID
 * after a drop and backing off while the API is away. Reports its state for the page's "live" sign.
 */
import { authHeaders, keyRefused } from './auth';
import { SseMessages, type SseMessage } from '../../client/sse';

export type StreamState = 'connecting' | 'live' | 'down' | 'ended';

export interface FollowOptions {
  url: string;
  onMessage(message: SseMessage): void;
  onState(state: StreamState, detail?: string): void;
  /** True when the message is the stream's last (a task's terminal event): no reconnect after it. */
  isFinal?(message: SseMessage): boolean;
  /** An answer other than 200 (a 404 for a task not yet recorded): retry, or stop with the message. */
  retryOnStatus?(status: number): boolean;
}

/** The server sends a comment at least every 15 s; silence for this long means the connection is gone. */
const SILENCE_MS = 40_000;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];

export function followSse(opts: FollowOptions): { close(): void } {
  let closed = false;
  let lastId: string | null = null;
  let failures = 0;
  let controller: AbortController | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const retry = (detail: string) => {
    if (closed) return;
    opts.onState('down', detail);
    const wait = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]!;
    failures++;
    retryTimer = setTimeout(connect, wait);
  };

  const connect = async () => {
    if (closed) return;
    // While reconnecting the sign stays "down" until the stream is back, rather than flickering.
    if (failures === 0) opts.onState('connecting');
    controller = new AbortController();
    const ctl = controller;
    let silence: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(silence);
      silence = setTimeout(() => ctl.abort(), SILENCE_MS);
    };
    let finished = false;
    try {
      arm();
      const res = await fetch(opts.url, {
        signal: ctl.signal,
        cache: 'no-store',
        headers: { Accept: 'text/event-stream', ...authHeaders(), ...(lastId ? { 'Last-Event-ID': lastId } : {}) },
      });
      if (!res.ok || !res.body) {
        clearTimeout(silence);
        const text = await res.text().catch(() => '');
        let message = `the stream answered ${res.status}`;
        try {
          message = (JSON.parse(text) as { error: { message: string } }).error.message;
        } catch {
          // keep the generic message
        }
        if (res.status === 401) {
          keyRefused(message);
          closed = true;
          opts.onState('down', message);
          return;
        }
        if (opts.retryOnStatus?.(res.status)) return retry(message);
        closed = true;
        opts.onState('ended', message);
        return;
      }
      failures = 0;
      opts.onState('live');
      const parser = new SseMessages();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        arm();
        for (const message of parser.push(value)) {
          if (message.id !== null) lastId = message.id;
          opts.onMessage(message);
          if (opts.isFinal?.(message)) finished = true;
        }
        if (finished) {
          ctl.abort();
          break;
        }
      }
    } catch (err) {
      if (closed) return;
      if (!finished) {
        clearTimeout(silence);
        return retry((err as Error).name === 'AbortError' ? 'no word from the server' : 'the connection dropped');
      }
    } finally {
      clearTimeout(silence);
    }
    if (closed) return;
    if (finished) {
      closed = true;
      opts.onState('ended');
      return;
    }
    retry('the server closed the stream');
  };

  void connect();
  return {
    close() {
      closed = true;
      clearTimeout(retryTimer);
      controller?.abort();
    },
  };
}
