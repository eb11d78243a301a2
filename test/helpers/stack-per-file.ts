/**
 * The Temporal dev server and the stack that a test file shares among its tests: started in beforeAll,
 * stopped in afterAll (stack first, then the server), each only if it started.
 *
 * A test module names its stack at load time, before beforeAll has run, so what this returns are stand-ins
 * that read through to the started ones; a test or helper uses them as the plain values. Touching one
 * before beforeAll has run (at module load) throws and says so.
 */
import { afterAll, beforeAll } from 'vitest';
import { startStack, type TestStack } from './stack';
import { startTestTemporal, type TestTemporal } from './temporal';

export type StackOptions = NonNullable<Parameters<typeof startStack>[1]>;

export interface FileStack {
  temporal: TestTemporal;
  stack: TestStack;
}

/** Forwards every property read and write to `current()`, once there is one. */
export function standIn<T extends object>(what: string, current: () => T | undefined): T {
  const target = (): T => {
    const value = current();
    if (!value) throw new Error(`the test file's ${what} is used before beforeAll started it`);
    return value;
  };
  return new Proxy({} as T, {
    get: (_, prop) => {
      const t = target();
      const value: unknown = Reflect.get(t, prop);
      // Methods run on the object itself: a class with private fields refuses calls on a proxy.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
    set: (_, prop, value) => Reflect.set(target(), prop, value),
    has: (_, prop) => Reflect.has(target(), prop),
  });
}

export function stackPerFile(opts: StackOptions = {}): FileStack {
  let temporal: TestTemporal | undefined;
  let stack: TestStack | undefined;
  beforeAll(async () => {
    temporal = await startTestTemporal();
    stack = await startStack(temporal, opts);
  });
  afterAll(async () => {
    await stack?.stop();
    await temporal?.stop();
  });
  return { temporal: standIn('Temporal dev server', () => temporal), stack: standIn('stack', () => stack) };
}
