/**
 * Retention of the interaction tables: `interaction_latest` rows whose window is over (they no longer
 * stop anything) and `interaction_events` older than `eventRetentionDays`. Run daily by the
 * `baton-interactions-cleanup` schedule and on demand through `POST /api/interactions/cleanup`.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { interactionEvents, interactionLatest } from '../db/schema';
import type { SettingsStore } from '../db/settings-store';
import { IN_PROGRESS } from './interactions';

export interface CleanupResult {
  deleted: { latest: number; events: number };
}

/** Rows of a raw statement: node-postgres and PGlite answer `{ rows }`; an array is taken as it is. */
function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
}

async function deleteCounted(db: Db, statement: SQL): Promise<number> {
  const rows = rowsOf<{ n: number | string }>(await db.execute(sql`WITH gone AS (${statement} RETURNING 1) SELECT count(*)::int AS n FROM gone`));
  return Number(rows[0]?.n ?? 0);
}

/** Deletes in batches so a large backlog never holds long locks or one huge transaction. */
export async function cleanupInteractions(db: Db, settings: SettingsStore, batchSize = 10_000): Promise<CleanupResult> {
  const { eventRetentionDays } = await settings.get();
  const l = interactionLatest;
  const e = interactionEvents;
  let latest = 0;
  for (;;) {
    // A claim in progress is kept until it expires; a failed or released row (no window) goes too.
    const n = await deleteCounted(db, sql`DELETE FROM ${l} WHERE (${l.accountId}, ${l.target}, ${l.action}) IN (
      SELECT ${l.accountId}, ${l.target}, ${l.action} FROM ${l}
      WHERE ${l.expiresAt} <= now() OR (${l.expiresAt} IS NULL AND ${l.status} <> ${IN_PROGRESS})
      LIMIT ${batchSize})`);
    latest += n;
    if (n < batchSize) break;
  }
  let events = 0;
  for (;;) {
    const n = await deleteCounted(db, sql`DELETE FROM ${e} WHERE ${e.id} IN (
      SELECT ${e.id} FROM ${e} WHERE ${e.ts} < now() - (${eventRetentionDays}::double precision * interval '1 day') LIMIT ${batchSize})`);
    events += n;
    if (n < batchSize) break;
  }
  return { deleted: { latest, events } };
}
