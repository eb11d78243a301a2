/**
 * Reads and writes the settings row and the per-account overrides. The row holds only the settings that
 * `PUT /api/settings` was given; every other setting keeps following its default (from the environment of
 * the process that reads it). Reads are cached for a short time so that a busy worker does not read
 * Postgres for every task, while a change still reaches every process within `ttlMs`.
 */
import { eq, sql, type SQL } from 'drizzle-orm';
import {
  accountOverridesSchema,
  settingsChangeSchema,
  settingsSchema,
  type AccountOverrides,
  type Settings,
  type SettingsChange,
  type SettingsPatch,
} from '../config/settings';
import type { Db } from './client';
import { accountSettings, settings as settingsTable } from './schema';

export interface SettingsSnapshot {
  /** The effective settings: the defaults with the stored ones on top. */
  value: Settings;
  /** Only what the settings row stores. */
  stored: SettingsPatch;
}

export interface SettingsStore {
  get(): Promise<Settings>;
  snapshot(): Promise<SettingsSnapshot>;
  /** Stores the values given, removes those given as `null`, leaves the others as they are. */
  update(change: SettingsChange): Promise<Settings>;
  /** The settings as they apply to one account: global ones with its overrides on top. */
  forAccount(accountId: string): Promise<Settings>;
  getOverrides(accountId: string): Promise<AccountOverrides | null>;
  /** Replaces an account's overrides; `null` removes them. */
  setOverrides(accountId: string, overrides: AccountOverrides | null): Promise<AccountOverrides | null>;
}

const OVERRIDE_CACHE_LIMIT = 10_000;

/** The stored settings that are still valid, one by one (a value a later version refuses is dropped alone). */
function validStored(raw: unknown): SettingsPatch {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
  const shape: Record<string, { safeParse(v: unknown): { success: boolean } }> = settingsSchema.shape;
  return Object.fromEntries(Object.entries(raw).filter(([key, value]) => shape[key]?.safeParse(value).success));
}

export function createSettingsStore(db: Db, defaults: Settings, ttlMs = 1000): SettingsStore {
  let cached: { value: SettingsSnapshot; at: number } | null = null;
  const overrideCache = new Map<string, { value: AccountOverrides | null; at: number }>();

  const read = async (): Promise<SettingsSnapshot> => {
    const rows = await db.select().from(settingsTable).where(eq(settingsTable.key, 'global'));
    const stored = validStored(rows[0]?.value);
    return { value: { ...defaults, ...stored }, stored };
  };

  const snapshot = async (): Promise<SettingsSnapshot> => {
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

  const get = async () => (await snapshot()).value;

  return {
    get,
    snapshot,
    async update(change) {
      const set: Record<string, unknown> = {};
      const removed: string[] = [];
      for (const [key, value] of Object.entries(settingsChangeSchema.parse(change))) {
        if (value === null) removed.push(key);
        else if (value !== undefined) set[key] = value;
      }
      // One statement merges the change into the stored row, so concurrent changes of different settings both hold.
      let merged: SQL = sql`${settingsTable.value}`;
      for (const key of removed) merged = sql`(${merged} - ${key}::text)`;
      merged = sql`${merged} || ${JSON.stringify(set)}::jsonb`;
      await db
        .insert(settingsTable)
        .values({ key: 'global', value: set, updatedAt: new Date() })
        .onConflictDoUpdate({ target: settingsTable.key, set: { value: merged, updatedAt: new Date() } });
      const value = await read();
      cached = { value, at: Date.now() };
      return value.value;
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
