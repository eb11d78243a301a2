/**
 * What a task handler is: a payload schema and a `run` function. The registry maps task types to handlers;
 * `runTask` validates the payload with the schema before `run` sees it.
 */
import type { z } from 'zod';

export interface TaskContext {
  accountId: string;
  taskId: string;
  /** Runs of this task so far, this one included (retries and re-runs after a cooldown count). */
  attempt: number;
  /** Grows with every start of any task of this account; the ledger refuses writes from older ones. */
  fencingToken: number;
  /** Aborted when the task is cancelled (or its worker shuts down): stop promptly. */
  signal: AbortSignal;
  /** Reports progress: recorded as a task event and sent with the heartbeat. */
  progress(details: Record<string, unknown>): void;
  /**
   * Runs `fn` against `target` unless this account already did `action` to it inside the re-engagement
   * window: then `fn` does not run and the task ends skipped (`dedupe_hit`). Either way the interaction
   * is recorded. `fn`'s errors pass through after being recorded.
   */
  engage<T>(target: string, action: string, fn: () => Promise<T>, metadata?: Record<string, unknown>): Promise<T>;
}

export interface TaskHandler<P = unknown> {
  type: string;
  description: string;
  payloadSchema: z.ZodType<P>;
  run(ctx: TaskContext, payload: P): Promise<unknown>;
}

export type HandlerRegistry = ReadonlyMap<string, TaskHandler>;

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason ?? new Error('aborted'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason ?? new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
