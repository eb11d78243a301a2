/**
 * Settings routes: read (each effective value and where it comes from), and change some (validated; a
 * value is stored, `null` removes the stored one; applied to the next outcome).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { SETTING_SOURCES, settingsChangeSchema, settingSources, settingsSchema } from '../../config/settings';
import type { AppDeps } from '../app';
import { errorResponses, json } from './openapi';
import { BODY_LIMITS, limitBody } from '../http/body-limit';
import { createRouter } from '../router';

// Rebuilt with the OpenAPI-aware `z`: zod 4 attaches `.openapi()` to schemas made after the extension only.
const Sources = z
  .record(z.string(), z.enum(SETTING_SOURCES))
  .openapi('SettingSources', {
    description: 'Where each value comes from: `default` (built in), `environment` (its variable is set), `stored` (by PUT /api/settings)',
  });
const Settings = z.object(settingsSchema.shape).extend({ sources: Sources }).strict().openapi('Settings');
const SettingsPatch = z.object(settingsChangeSchema.shape).strict().openapi('SettingsPatch');

const getRoute = createRoute({
  method: 'get',
  path: '/api/settings',
  operationId: 'getSettings',
  tags: ['settings'],
  summary: 'Current settings, and where each comes from',
  responses: { 200: json(Settings, 'Settings'), ...errorResponses([401, 503]) },
});
const putRoute = createRoute({
  method: 'put',
  path: '/api/settings',
  operationId: 'updateSettings',
  tags: ['settings'],
  summary: 'Change some settings: the values given are stored, `null` removes a stored one, the rest keep following their defaults',
  middleware: [limitBody(BODY_LIMITS.settings)] as const,
  request: { body: { content: { 'application/json': { schema: SettingsPatch } }, required: true } },
  responses: { 200: json(Settings, 'Settings after the change'), ...errorResponses([400, 401, 413, 415, 503], { 400: 'Invalid settings (`validation_error`, `unstorable_string`); `details` lists the fields' }) },
});

export function settingsRoutes(deps: AppDeps) {
  const app = createRouter();
  const view = async () => {
    const { value, stored } = await deps.settings.snapshot();
    return { ...value, sources: settingSources(deps.config, stored) };
  };
  app.openapi(getRoute, async (c) => c.json(await view(), 200));
  app.openapi(putRoute, async (c) => {
    await deps.settings.update(c.req.valid('json'));
    return c.json(await view(), 200);
  });
  return app;
}
