/**
 * One `/api/events` stream for the whole page: account state changes as they happen. Pages subscribe
 * and get batches (a burst of thousands of changes re-renders a few times a second, not per change).
 */
import { followSse, type StreamState } from './sse';
import { createStore } from './store';
import type { Account } from './types';

/** `resync` is true after a reconnect: changes may have been missed, so pages read again. */
type Listener = (batch: Account[], resync: boolean) => void;

const FLUSH_MS = 200;

export const feedState = createStore<{ state: StreamState; detail: string | null }>({ state: 'connecting', detail: null });

const listeners = new Set<Listener>();
let pending = new Map<string, Account>();
let resync = false;
let flushTimer: ReturnType<typeof setTimeout> | undefined;
let connection: { close(): void } | null = null;

function flush() {
  flushTimer = undefined;
  const batch = [...pending.values()];
  const again = resync;
  pending = new Map();
  resync = false;
  if (batch.length || again) for (const l of [...listeners]) l(batch, again);
}

export function startFeed(): () => void {
  connection?.close();
  let wasDown = false;
  connection = followSse({
    url: '/api/events',
    onState(state, detail) {
      if (state === 'down') wasDown = true;
      if (state === 'live' && wasDown) {
        wasDown = false;
        resync = true;
        flushTimer ??= setTimeout(flush, 0);
      }
      feedState.set({ state, detail: detail ?? null });
    },
    onMessage(message) {
      if (message.event !== 'account') return;
      try {
        const account = JSON.parse(message.data) as Account;
        pending.set(account.accountId, account);
        flushTimer ??= setTimeout(flush, FLUSH_MS);
      } catch {
        // a malformed message is skipped; the next change of that account carries its whole state
      }
    },
    retryOnStatus: (status) => status >= 500 || status === 429,
  });
  return () => {
    connection?.close();
    connection = null;
    clearTimeout(flushTimer);
    flushTimer = undefined;
    pending = new Map();
    resync = false;
  };
}

export function onAccounts(listener: Listener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}
