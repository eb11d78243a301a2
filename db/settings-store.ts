/**
 * Reads and writes the settings row and the per-account overrides. Reads are cached for a short time so
 * that a busy worker does not read Postgres for every task, while a change still reaches every process
 * within `ttlMs`.
 */
import { eq } from 'drizzle-orm';
import {
  accountOverridesSchema,
  settingsSchema,
  type AccountOverrides,
  type Settings,
  type SettingsPatch,
} from '../config/settings';
import type { Db } from './client';
import { accountSettings, settings as settingsTable } from './schema';

export interface SettingsStore {
  get(): Promise<Settings>;
  update(patch: SettingsPatch): Promise<Settings>;
  /** The settings as they apply to one account: global ones with its overrides on top. */
  forAccount(accountId: string): Promise<Settings>;
  getOverrides(accountId: string): Promise<AccountOverrides | null>;
  /** Replaces an account's overrides; `null` removes them. */
  setOverrides(accountId: string, overrides: AccountOverrides | null): Promise<AccountOverrides | null>;
}

const OVERRIDE_CACHE_LIMIT = 10_000;

export function createSettingsStore(db: Db, defaults: Settings, ttlMs = 1000): SettingsStore {
  let cached: { value: Settings; at: number } | null = null;
  const overrideCache = new Map<string, { value: AccountOverrides | null; at: number }>();

  const read = async (): Promise<Settings> => {
    const rows = await db.select().from(settingsTable).where(eq(settingsTable.key, 'global'));
    // Stored values are merged over the defaults so a setting added later gets its default.
    const parsed = settingsSchema.safeParse({ ...defaults, ...((rows[0]?.value as object | undefined) ?? {}) });
    return parsed.success ? parsed.data : defaults;
  };

  const get = async (): Promise<Settings> => {
    if (cached && Date.now() - cached.at < ttlMs) return cached.value;
    const value = await read();
    cached = { value, at: Date.now() };
    return value;
  };

  const getOverrides = async (accountId: string): Promise<AccountOverrides | null> => {
    const hit = overrideCache.get(accountId);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value;
    const rows = await db.select().from(accountSettings).where(eq(accountSettings.accountId, accountId));
    const parsed = rows[0] ? accountOverridesSchema.safeParse(rows[0].overrides) : null;
    const value = parsed?.success ? parsed.data : null;
    if (overrideCache.size >= OVERRIDE_CACHE_LIMIT) overrideCache.clear();
    overrideCache.set(accountId, { value, at: Date.now() });
    return value;
  };

  return {
    get,
    async update(patch) {
      const next = settingsSchema.parse({ ...(await read()), ...patch });
      await db
        .insert(settingsTable)
        .values({ key: 'global', value: next, updatedAt: new Date() })
        .onConflictDoUpdate({ target: settingsTable.key, set: { value: next, updatedAt: new Date() } });
      cached = { value: next, at: Date.now() };
      return next;
    },
    async forAccount(accountId) {
      const [global, overrides] = await Promise.all([get(), getOverrides(accountId)]);
      return overrides ? { ...global, ...overrides } : global;
    },
    getOverrides,
    async setOverrides(accountId, overrides) {
      if (overrides === null || Object.keys(overrides).length === 0) {
        await db.delete(accountSettings).where(eq(accountSettings.accountId, accountId));
        overrideCache.delete(accountId);
        return null;
      }
      const value = accountOverridesSchema.parse(overrides);
      await db
        .insert(accountSettings)
        .values({ accountId, overrides: value, updatedAt: new Date() })
        .onConflictDoUpdate({ target: accountSettings.accountId, set: { overrides: value, updatedAt: new Date() } });
      overrideCache.set(accountId, { value, at: Date.now() });
      return value;
    },
  };
}
