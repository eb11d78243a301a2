/**
 * `createRouter()`: the Hono application every route file builds its routes on. Every request it routes is
 * validated against the route's zod schemas, and then checked for values the ledger cannot store (see
 * ./validation.ts); a batch whose items are checked one by one asks for the schema check alone.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { schemaOnlyHook, validationHook } from './http/validation';

export type AppEnv = { Variables: Record<string, never> };

export function createRouter(check: 'storable' | 'schema-only' = 'storable') {
  return new OpenAPIHono<AppEnv>({ defaultHook: check === 'storable' ? validationHook : schemaOnlyHook });
}

export type Router = ReturnType<typeof createRouter>;
