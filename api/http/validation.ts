/**
 * Request validation: schema failures become 400s in the one error format. A request that passes its
 * schema is also checked for values the ledger cannot store (a NUL, a lone surrogate, nesting too deep),
 * wherever they are, so that nothing refused later is acknowledged first.
 */
import type { Hook } from '@hono/zod-openapi';
import { validationError } from './errors';
import { assertStorable } from './storable';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyHook = Hook<any, any, any, any>;

export const validationHook: AnyHook = (result) => {
  const where = result.target === 'json' ? 'body' : result.target;
  if (!result.success) throw validationError(result.error, where);
  assertStorable(result.data, where);
};

/** For a body whose items are checked one by one (a batch answers per item): schema failures only. */
export const schemaOnlyHook: AnyHook = (result) => {
  if (!result.success) throw validationError(result.error, result.target === 'json' ? 'body' : result.target);
};
