/**
 * Values the ledger cannot store, found before anything is acknowledged. JSON lets a client send strings
 * that Postgres refuses: a NUL character (in `text` and in `jsonb`) and a lone UTF-16 surrogate (`jsonb`
 * refuses its `\uD800` escape; in `text` it would silently become U+FFFD). Object keys count too. Nesting is
 * bounded so that no later step (serialising, Postgres' parser) meets a structure too deep for it.
 */
import { hasUnstorableChars } from '../../db/unstorable-text';
import { ApiError } from './errors';

/** Deepest nesting of arrays and objects accepted in a request body (a task's payload included). */
export const MAX_JSON_DEPTH = 32;


export interface Unstorable {
  code: 'unstorable_string' | 'too_deep';
  path: string;
  message: string;
}

function describe(s: string): string {
  return s.includes('\u0000') ? 'a NUL character (\\u0000)' : 'a lone UTF-16 surrogate';
}

/** The first part of `value` the ledger could not store, or null. Iterative: any depth is safe to check. */
export function findUnstorable(value: unknown, maxDepth = MAX_JSON_DEPTH): Unstorable | null {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    const where = path.length ? path.join('.') : '(root)';
    if (typeof v === 'string') {
      if (hasUnstorableChars(v)) return { code: 'unstorable_string', path: where, message: `${where} contains ${describe(v)}, which cannot be stored` };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= maxDepth) {
      return { code: 'too_deep', path: where, message: `${where} is nested deeper than ${maxDepth} levels` };
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, path: [...path, i] }));
      continue;
    }
    for (const [key, item] of Object.entries(v)) {
      if (hasUnstorableChars(key)) {
        return { code: 'unstorable_string', path: where, message: `a key in ${where} contains ${describe(key)}, which cannot be stored` };
      }
      stack.push({ v: item, path: [...path, key] });
    }
  }
  return null;
}

/** Throws a 400 naming the first unstorable part of a request's `where` (body, query, param, header). */
export function assertStorable(value: unknown, where: string): void {
  const found = findUnstorable(value);
  if (found) {
    throw new ApiError(400, found.code, `invalid ${where}: ${found.message}`, { path: found.path, where });
  }
}
