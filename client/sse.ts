/**
 * Server-Sent Events read over fetch (EventSource cannot send an Authorization header), parsed by
 * eventsource-parser. The parser gives each message its own `id` only; the spec's "last event id"
 * (what a reconnect sends as Last-Event-ID) carries over to later messages, so it is kept here.
 */
import { createParser } from 'eventsource-parser';

export interface SseMessage {
  /** The last `id:` seen, carried over from earlier messages as the spec says; null before any. */
  id: string | null;
  /** `message` when the server named none. */
  event: string;
  data: string;
}

/** Parses a stream chunk by chunk: `push` returns the messages each chunk completed. */
export class SseMessages {
  private lastId: string | null = null;
  private done: SseMessage[] = [];
  /** Set when the server sent `retry:`. */
  retryMs: number | null = null;
  private readonly parser = createParser({
    onEvent: (m) => {
      if (m.id !== undefined) this.lastId = m.id;
      this.done.push({ id: this.lastId, event: m.event ?? 'message', data: m.data });
    },
    onRetry: (ms) => {
      this.retryMs = ms;
    },
  });

  push(chunk: string): SseMessage[] {
    this.parser.feed(chunk);
    const out = this.done;
    this.done = [];
    return out;
  }
}

/** The messages of a response body, as they arrive. */
export async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const parser = new SseMessages();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
  } finally {
    reader.releaseLock();
  }
}
