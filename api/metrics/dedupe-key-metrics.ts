/**
 * Dedupe-key figures for `/metrics` (Prometheus) and `/api/metrics` (JSON): the keys held now, counted
 * from the ledger, and the submissions this process's intake refused for a live key, by code.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../../db/client';
import { countHeldKeys } from '../queries/dedupe-keys';
import { DEDUPE_REFUSAL_CODES, dedupeRefusals } from '../intake/refusal-counts';

export async function dedupeKeyFigures(db: Db) {
  return { held: await countHeldKeys(db), refusals: dedupeRefusals() };
}

export function registerDedupeKeyMetrics(registry: Registry, db: Db): void {
  new Gauge({
    name: 'baton_dedupe_keys_held', help: 'Dedupe keys held now: queued or running tasks with a key no operator released', registers: [registry],
    async collect() {
      // A scrape during a Postgres outage leaves the last value rather than failing the whole scrape.
      const held = await countHeldKeys(db).catch(() => null);
      if (held !== null) this.set(held);
    },
  });
  new Counter({
    name: 'baton_dedupe_refusals_total', help: "Submissions this process's intake refused for a live dedupe key, by code", labelNames: ['code'] as const, registers: [registry],
    collect() {
      this.reset();
      const counts = dedupeRefusals();
      for (const code of DEDUPE_REFUSAL_CODES) this.inc({ code }, counts[code]);
    },
  });
}
