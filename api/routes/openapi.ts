/**
 * Pieces every route file uses to describe itself in the OpenAPI document: tags, the error answers
 * (always the one error shape), Server-Sent Event streams, and the document's head (servers, license,
 * security, tags).
 */
import { z } from '@hono/zod-openapi';
import { ErrorBody } from '../schemas';

/** Operations are grouped by resource; each tag's description is in the document. */
export const TAGS = [
  { name: 'tasks', description: 'Submit tasks (one or a batch), read, list and cancel them.' },
  { name: 'events', description: "Server-Sent Event streams: a task's lifecycle, and account state changes." },
  { name: 'accounts', description: 'Account states (live and from the ledger), waiting tasks, operator controls and per-account settings.' },
  { name: 'dedupe-keys', description: 'Dedupe keys as locks: which are held and by which task, and an operator\'s release.' },
  { name: 'interactions', description: 'The audit log of interactions, the re-engagement window check, and retention.' },
  { name: 'metrics', description: 'Figures for dashboards (JSON) and for Prometheus (text).' },
  { name: 'settings', description: 'Persisted settings, validated; changes apply to the next outcome.' },
  { name: 'health', description: 'Liveness and readiness (Temporal, Postgres, workers). No key needed.' },
  { name: 'dashboard', description: 'The web page, its assets, and this document (JSON and rendered).' },
] as const;
export type Tag = (typeof TAGS)[number]['name'];

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' as const, minimum: 0 } },
};

/** What each error status means on every route that can answer it, and its name under components.responses. */
const STANDARD: Record<ErrorStatus, { name: string; description: string }> = {
  400: { name: 'InvalidRequest', description: 'Invalid request (`validation_error`, `invalid_json`, `unstorable_string`, …); `details` lists the fields' },
  401: { name: 'Unauthorized', description: 'Missing or wrong API key (`unauthorized`); only when the server has API_KEYS' },
  404: { name: 'NotFound', description: 'Not found' },
  409: { name: 'Conflict', description: 'Conflict with the state of the task or account' },
  413: { name: 'PayloadTooLarge', description: 'Body too large (`payload_too_large`); the connection closes after the answer' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not sent as JSON (`http_error`): send `Content-Type: application/json`' },
  422: { name: 'Unprocessable', description: 'Unprocessable' },
  429: { name: 'TooManyRequests', description: 'Too many requests from this key or client address (`rate_limited`), with Retry-After' },
  503: { name: 'Unavailable', description: 'Postgres or Temporal unreachable right now (`database_unavailable`, `temporal_unavailable`), with Retry-After' },
};
export type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

const errorAnswer = (status: ErrorStatus, description: string) => ({
  ...json(ErrorBody, description),
  ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
});

/** The standard answers some route refers to, for components.responses (see `standardErrorResponses`). */
const referenced = new Set<ErrorStatus>();

/**
 * The error answers a route may give, all in the one error shape: a status listed alone refers to its
 * standard answer (components.responses), one in `described` is the route's own. 429 (the rate limit)
 * applies to every route and is always in.
 *
 * Its type names the described answers only. The referenced ones are `{ $ref }` objects without a schema,
 * and one such answer in a route makes @hono/zod-openapi accept any Response from its handler; handlers
 * never give them (errors are thrown, and `onError` answers them), so leaving them out of the type lets
 * the typecheck hold every handler's answer to its route's schemas. The object still carries them for the
 * document (an object may hold more than its type names).
 */
export function errorResponses<S extends ErrorStatus, D extends S | 429 = never>(statuses: readonly S[], described: Record<D, string> = {} as Record<D, string>) {
  const out: Partial<Record<ErrorStatus, ReturnType<typeof errorAnswer> | { $ref: string }>> = {};
  for (const status of [...new Set<ErrorStatus>([...statuses, 429])].sort()) {
    const own = (described as Partial<Record<ErrorStatus, string>>)[status];
    if (own) {
      out[status] = errorAnswer(status, own);
    } else {
      referenced.add(status);
      out[status] = { $ref: `#/components/responses/${STANDARD[status].name}` };
    }
  }
  return out as Record<D, ReturnType<typeof errorAnswer>>;
}

/** The standard error answers the routes refer to, by name (registered by createApp once every route is defined). */
export function standardErrorResponses() {
  return [...referenced].sort().map((status) => ({
    name: STANDARD[status].name,
    response: {
      description: STANDARD[status].description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
    },
  }));
}

/**
 * A Server-Sent Events answer. OpenAPI 3.1 has no schema for a stream's items, so the schema describes
 * one message of the stream (as OpenAPI 3.2's `itemSchema` does): its SSE fields `id`, `event` and `data`,
 * with `data` a JSON text whose shape is `contentSchema`.
 */
export function sseMessage(name: string, description: string, variants: { event: readonly [string, ...string[]]; data: string; id?: string; about: string }[]) {
  const one = variants.map((v) =>
    z
      .object({
        ...(v.id ? { id: z.string().openapi({ description: v.id }) } : {}),
        event: z.enum(v.event),
        data: z.string().openapi({
          description: `JSON: a ${v.data}`,
          contentMediaType: 'application/json',
          contentSchema: { $ref: `#/components/schemas/${v.data}` },
        } as Record<string, unknown>),
      })
      .strict()
      .openapi({ description: v.about }),
  );
  return (one.length === 1 ? one[0]! : z.union(one as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])).openapi(name, { description });
}

export const sse = <T extends z.ZodType>(message: T, description: string) => ({
  content: { 'text/event-stream': { schema: message } },
  description,
});

/** Operations anyone may call, keys or not (see PUBLIC in api/app.ts). */
export const PUBLIC_SECURITY: Record<string, string[]>[] = [];
/** Operations that take a key but need none: a key shows more (the health checks' detail). */
export const OPTIONAL_SECURITY: Record<string, string[]>[] = [{}, { bearer: [] }];

/** The document's head, as /openapi.json serves it. */
export function documentHead(opts: { keysRequired: boolean; version: string }) {
  return {
    openapi: '3.1.0' as const,
    info: {
      title: 'Baton',
      version: opts.version,
      description:
        'Per-account task engine: one task at a time per account, durable FIFO queues, cooldowns, an audit log of interactions.\n\n' +
        'Errors are always `{"error": {"code", "message", "details"}}`. With API_KEYS set on the server, every operation but the public ones ' +
        '(health, the dashboard page and its assets) needs `Authorization: Bearer <key>`.\n\n' +
        'Paths under `/api/accounts/` always continue with an account id. The account collections that used to sit beside them ' +
        '(`/api/accounts/states`, `/api/accounts/execution-states`, `/api/accounts/waiting-tasks`) moved to `/api/account-states`, ' +
        '`/api/account-execution-states` and `/api/waiting-tasks`, where no account id can collide with them; the old paths still answer, deprecated.',
      // No license has been granted for Baton: the document says so rather than inventing one.
      license: { name: 'Proprietary: all rights reserved', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/', description: 'The Baton API that serves this document (same origin)' }],
    tags: TAGS.map((t) => ({ ...t })),
    security: (opts.keysRequired ? [{ bearer: [] }] : [{ bearer: [] }, {}]) as Record<string, string[]>[],
  };
}

/**
 * The paths in the order they were registered, but those whose every operation is deprecated last: where
 * an old path is ambiguous with a current one, the linter reports it at the old one (see redocly.yaml).
 */
export function deprecatedPathsLast<D extends { paths?: object }>(document: D): D {
  const entries = Object.entries((document.paths ?? {}) as Record<string, Record<string, unknown>>);
  const deprecated = (item: Record<string, unknown>) =>
    Object.values(item).every((op) => typeof op === 'object' && op !== null && (op as { deprecated?: boolean }).deprecated === true);
  const paths = Object.fromEntries([...entries.filter(([, item]) => !deprecated(item)), ...entries.filter(([, item]) => deprecated(item))]);
  return { ...document, paths };
}
