/**
 * Settings store only what was set: after a save the environment still supplies every other setting, a
 * `null` hands a setting back to its default, concurrent changes of different settings both hold, and
 * `GET /api/settings` says where each value comes from.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env';
import { defaultSettings, SETTING_VARIABLES, settingsSchema } from '../../config/settings';
import { createSettingsStore } from '../../db/settings-store';
import { settings as settingsTable } from '../../db/schema';
import type { DriverKind } from '../helpers/database';
import { startApp, type AppFixture } from './app-fixture';

describe.each<DriverKind>(['postgres', 'pglite'])('settings on %s', (driver) => {
  let f: AppFixture;
  beforeAll(async () => {
    f = await startApp({ driver, env: { COOLDOWN_MINUTES: '7', MAX_ATTEMPTS: '4' } });
  });
  afterAll(async () => {
    await f?.close();
  });

  const json = (method: string, body?: unknown) =>
    f.app.request('/api/settings', { method, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const storedRow = async () => (await f.db.database.db.select().from(settingsTable).where(eq(settingsTable.key, 'global')))[0]?.value;

  it('shows each effective value and where it comes from', async () => {
    const res = await json('GET');
    expect(res.status).toBe(200);
    const body = await res.json();
    // Every setting is still there, as before, plus the sources.
    for (const key of Object.keys(settingsSchema.shape)) expect(body).toHaveProperty(key);
    expect(body).toMatchObject({ cooldownMinutes: 7, maxAttempts: 4, reengagementDays: 30 });
    expect(body.sources).toMatchObject({ cooldownMinutes: 'environment', maxAttempts: 'environment', reengagementDays: 'default', errorRules: 'default' });
    expect(Object.keys(body.sources).sort()).toEqual(Object.keys(settingsSchema.shape).sort());
  });

  it('stores only what was set, so the environment keeps supplying the rest after a save', async () => {
    const put = await json('PUT', { reengagementDays: 12 });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ reengagementDays: 12, cooldownMinutes: 7, sources: { reengagementDays: 'stored', cooldownMinutes: 'environment' } });
    expect(await storedRow()).toEqual({ reengagementDays: 12 });
    // Another process (or this one after a restart) with another environment: its variables apply.
    const elsewhere = createSettingsStore(f.db.database.db, defaultSettings(loadConfig({ COOLDOWN_MINUTES: '11' })), 0);
    expect(await elsewhere.get()).toMatchObject({ reengagementDays: 12, cooldownMinutes: 11, maxAttempts: 5 });
    // A second save merges with the first.
    await json('PUT', { maxAttempts: 9 });
    expect(await storedRow()).toEqual({ reengagementDays: 12, maxAttempts: 9 });
  });

  it('removes a stored setting given as null: its default applies again', async () => {
    await json('PUT', { cooldownMinutes: 3 });
    const back = await json('PUT', { cooldownMinutes: null, reengagementDays: null });
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ cooldownMinutes: 7, reengagementDays: 30, sources: { cooldownMinutes: 'environment', reengagementDays: 'default' } });
    expect(await storedRow()).toEqual({ maxAttempts: 9 });
    expect((await json('PUT', { maxAttempts: 0 })).status).toBe(400);
  });

  it('keeps both of two concurrent changes to different settings', async () => {
    await Promise.all([json('PUT', { taskTimeoutSeconds: 33 }), json('PUT', { eventRetentionDays: 44 })]);
    expect(await storedRow()).toMatchObject({ taskTimeoutSeconds: 33, eventRetentionDays: 44 });
  });

  it('drops a stored value that is no longer valid on its own, keeping the others', async () => {
    await f.db.database.db.update(settingsTable).set({ value: { maxAttempts: 9, backoffJitter: 7, retiredSetting: true } }).where(eq(settingsTable.key, 'global'));
    const body = await (await json('GET')).json();
    expect(body).toMatchObject({ maxAttempts: 9, backoffJitter: 0.25, sources: { maxAttempts: 'stored', backoffJitter: 'default' } });
    expect(body).not.toHaveProperty('retiredSetting');
  });
});

describe('setting variables', () => {
  it('name the variable each default comes from', () => {
    const config = loadConfig({});
    const defaults = defaultSettings(config);
    for (const [key, variable] of Object.entries(SETTING_VARIABLES)) {
      if (variable) expect(defaults[key as keyof typeof defaults], key).toEqual(config[variable]);
    }
  });
});
