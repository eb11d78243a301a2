/**
 * Submissions the intake refused for a live dedupe key, by code, since this process started. Counted where
 * the intake decides (./store.ts), so every path (single, batch, group commit) is counted once. A process
 * total, as Prometheus counters are: `/metrics` and `/api/metrics` read it; a restart starts from zero.
 */
export const DEDUPE_REFUSAL_CODES = ['already_running', 'already_queued'] as const;
export type DedupeRefusalCode = (typeof DEDUPE_REFUSAL_CODES)[number];

const counts: Record<DedupeRefusalCode, number> = { already_running: 0, already_queued: 0 };

export function countDedupeRefusal(code: DedupeRefusalCode): void {
  counts[code] += 1;
}

export function dedupeRefusals(): Readonly<Record<DedupeRefusalCode, number>> {
  return { ...counts };
}
