/** A wake-up flag an event stream sleeps on: a notification that arrives while it reads is not lost. */
/** A comment line this often keeps proxies from closing an idle stream (the account feed re-reads as often, in case a notification was lost). */
export const HEARTBEAT_MS = 15_000;

export type WaitResult = 'wake' | 'timeout' | 'closed';

export function wakeable() {
  let pending = false;
  let closed = false;
  let resolve: ((v: WaitResult) => void) | null = null;
  const settle = (v: WaitResult) => {
    const r = resolve;
    resolve = null;
    r?.(v);
  };
  return {
    notify() {
      pending = true;
      settle('wake');
    },
    close() {
      closed = true;
      settle('closed');
    },
    wait(ms: number): Promise<WaitResult> {
      if (closed) return Promise.resolve('closed');
      if (pending) {
        pending = false;
        return Promise.resolve('wake');
      }
      return new Promise((done) => {
        const timer = setTimeout(() => settle('timeout'), ms);
        resolve = (v) => {
          clearTimeout(timer);
          if (v === 'wake') pending = false;
          done(v);
        };
      });
    },
  };
}
