/** Pieces every route file uses to describe its answers in the OpenAPI document. */
import type { z } from '@hono/zod-openapi';
import { ErrorBody } from '../schemas';

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

/** The error answers a route may give, by status, all in the one error shape. */
export function errorResponses<S extends number>(described: Record<S, string>) {
  const out = {} as Record<S, ReturnType<typeof json<typeof ErrorBody>>>;
  for (const [status, description] of Object.entries(described) as [string, string][]) {
    out[Number(status) as S] = json(ErrorBody, description);
  }
  return out;
}
