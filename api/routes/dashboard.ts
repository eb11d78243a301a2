/**
 * The dashboard: the page at `/` and its assets under `/assets/`. They load without an API key (the page
 * asks for one when the API answers 401) and carry a Content-Security-Policy that lets only this origin's
 * scripts and styles run.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { settingsSchema } from '../../config/settings';
import { asset, ASSET_FILES, type AssetPath } from '../../dashboard/bundle';
import { Shell } from '../../dashboard/shell';
import type { PageMeta } from '../../dashboard/client/types';
import type { AppDeps } from '../app';
import type { AppEnv } from '../router';
import { ApiError } from '../http/errors';
import { errorResponses, json, PUBLIC_SECURITY } from './openapi';
import { ErrorBody } from '../schemas';

/** Served without a key: the page must load before it can ask for one. */
export const DASHBOARD_PUBLIC_PATHS: readonly string[] = ['/', ...Object.keys(ASSET_FILES)];

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function pageMeta(deps: AppDeps): PageMeta {
  const settingDescriptions: Record<string, string> = {};
  for (const [key, schema] of Object.entries(settingsSchema.shape)) {
    const description = (schema as z.ZodType).description;
    if (description) settingDescriptions[key] = description;
  }
  return {
    taskTypes: [...deps.handlers.values()].map((h) => ({ type: h.type, description: h.description ?? '' })),
    settingDescriptions,
  };
}

const ASSET_DOCS: Record<AssetPath, { operationId: string; summary: string; type: string }> = {
  '/assets/app.js': { operationId: 'getDashboardScript', summary: "The dashboard's script (one ES module)", type: 'text/javascript' },
  '/assets/app.css': { operationId: 'getDashboardStyles', summary: "The dashboard's stylesheet", type: 'text/css' },
  '/assets/favicon.svg': { operationId: 'getDashboardIcon', summary: "The dashboard's icon", type: 'image/svg+xml' },
};
const text = (type: string, description: string) => ({ content: { [type]: { schema: z.string() } }, description });

/** The routes below, for the OpenAPI document. */
export const dashboardDocs = [
  createRoute({
    method: 'get', path: '/', operationId: 'getDashboard', tags: ['dashboard'], security: PUBLIC_SECURITY,
    summary: 'The dashboard: overview, accounts, tasks, interactions, settings (it asks for a key when the API needs one)',
    responses: { 200: text('text/html', 'The page'), ...errorResponses([]) },
  }),
  ...(Object.entries(ASSET_DOCS) as [AssetPath, (typeof ASSET_DOCS)[AssetPath]][]).map(([path, d]) =>
    createRoute({
      method: 'get', path, operationId: d.operationId, tags: ['dashboard'], security: PUBLIC_SECURITY, summary: d.summary,
      request: { headers: z.object({ 'if-none-match': z.string().optional().openapi({ description: 'The ETag last received' }) }) },
      responses: {
        200: { ...text(d.type, 'The asset'), headers: { ETag: { description: 'Changes when the asset does', schema: { type: 'string' } } } },
        304: { description: 'Not modified (If-None-Match matched the ETag)' },
        500: json(ErrorBody, 'The dashboard could not be built (`dashboard_build_failed`); the server log says why'),
        ...errorResponses([]),
      },
    }),
  ),
];

const secure = (c: Context, cache: string) => {
  c.header('Content-Security-Policy', DASHBOARD_CSP);
  c.header('Cache-Control', cache);
  c.header('X-Content-Type-Options', 'nosniff');
};

export function dashboardRoutes(deps: AppDeps, buildAhead = true) {
  const app = new Hono<AppEnv>();
  const html = `<!doctype html>${String(Shell({ meta: pageMeta(deps) }))}`;
  // Built now so the first visitor does not wait; a failure shows up (and is retried) at the first request.
  if (buildAhead) void asset('/assets/app.js').catch((err: Error) => deps.log.warn({ err: err.message }, 'dashboard client did not build'));

  app.get('/', (c) => {
    secure(c, 'no-cache');
    return c.html(html);
  });

  for (const path of Object.keys(ASSET_FILES) as AssetPath[]) {
    app.get(path, async (c) => {
      let a;
      try {
        a = await asset(path);
      } catch (err) {
        deps.log.error({ err: (err as Error).message, path }, 'dashboard asset failed');
        throw new ApiError(500, 'dashboard_build_failed', 'the dashboard could not be built; the server log says why');
      }
      secure(c, 'no-cache');
      c.header('ETag', a.etag);
      if (c.req.header('if-none-match') === a.etag) return c.body(null, 304);
      c.header('Content-Type', a.type);
      return c.body(a.body);
    });
  }
  return app;
}
