/** Hooks the pages share: loading, throttled reloads driven by the live feed, a ticking clock. */
import { useCallback, useEffect, useRef, useState } from 'hono/jsx/dom';
import { onAccounts } from './live';
import type { Account } from './types';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  reload(): void;
}

/** Runs `load` when `deps` change and on `reload()`; keeps the last data while a reload runs (no flicker). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | null; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: Error) => current && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** A function that runs at most once per `ms`, with the last call always honoured (trailing edge). */
export function useThrottle(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const last = useRef(0);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  return useCallback(() => {
    if (timer.current) return;
    const wait = Math.max(0, last.current + ms - Date.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      last.current = Date.now();
      fnRef.current();
    }, wait);
  }, [ms]);
}

/** Calls `fn` with each batch of account changes from the live feed (`resync` after a reconnect). */
export function useAccountFeed(fn: (batch: Account[], resync: boolean) => void): void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => onAccounts((batch, resync) => fnRef.current(batch, resync)), []);
}

/**
 * Whether the component is still on the page: an answer that arrives after it left must not set its
 * state (hono/jsx/dom may otherwise render a removed component again).
 */
export function useAlive(): () => boolean {
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);
  return useCallback(() => alive.current, []);
}

/** The current time, re-read every `ms` while `active` (countdowns and running durations). */
export function useNow(ms: number, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms, active]);
  return now;
}
