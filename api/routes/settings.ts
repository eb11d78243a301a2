/** Settings routes: read, and merge a partial change (validated; applied to the next outcome). */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { settingsPatchSchema, settingsSchema } from '../../config/settings';
import type { AppDeps, AppEnv } from '../app';
import { ErrorBody } from '../schemas';
import { BODY_LIMITS, limitBody } from '../body-limit';

// Rebuilt with the OpenAPI-aware `z`: zod 4 attaches `.openapi()` to schemas made after the extension only.
const Settings = z.object(settingsSchema.shape).strict().openapi('Settings');
const SettingsPatch = z.object(settingsPatchSchema.shape).strict().openapi('SettingsPatch');
const errors = {
  400: { content: { 'application/json': { schema: ErrorBody } }, description: 'Invalid settings' },
  401: { content: { 'application/json': { schema: ErrorBody } }, description: 'Missing or wrong API key' },
  413: { content: { 'application/json': { schema: ErrorBody } }, description: 'Body too large' },
};

const getRoute = createRoute({
  method: 'get',
  path: '/api/settings',
  summary: 'Current settings',
  responses: { 200: { content: { 'application/json': { schema: Settings } }, description: 'Settings' }, ...errors },
});
const putRoute = createRoute({
  method: 'put',
  path: '/api/settings',
  summary: 'Change some settings (the object is merged over the stored one)',
  middleware: [limitBody(BODY_LIMITS.settings)] as const,
  request: { body: { content: { 'application/json': { schema: SettingsPatch } }, required: true } },
  responses: { 200: { content: { 'application/json': { schema: Settings } }, description: 'Settings after the change' }, ...errors },
});

export function settingsRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: deps.validationHook });
  app.openapi(getRoute, async (c) => c.json(await deps.settings.get() as z.infer<typeof Settings>, 200));
  app.openapi(putRoute, async (c) => c.json(await deps.settings.update(c.req.valid('json')) as z.infer<typeof Settings>, 200));
  return app;
}
