/**
 * Open event streams of this process, counted per caller (api/http/caller.ts) and in all, so that neither one
 * client nor all of them together can hold more than the configured number; and the figures /metrics
 * shows about them.
 */
export type StreamKind = 'task' | 'account';

export interface StreamLimits {
  /** Streams one caller (an API key, or a client address) may hold open. */
  perCaller: number;
  /** Streams this process holds open in all. */
  total: number;
}

export type StreamLease = { ok: true; release(): void } | { ok: false; scope: 'caller' | 'process'; limit: number };

export interface StreamStats {
  open: Record<StreamKind, number>;
  /** Events written to streams since the start. */
  sent: Record<StreamKind, number>;
  /** Streams refused since the start, by the limit that refused them. */
  refused: Record<'caller' | 'process', number>;
  /** Reads of changed account rows, each shared by every account stream. */
  accountReads: number;
}

export interface StreamSlots {
  open(caller: string, kind: StreamKind, limits: StreamLimits): StreamLease;
  sent(kind: StreamKind, n?: number): void;
  accountRead(): void;
  readonly stats: StreamStats;
}

export function createStreamSlots(): StreamSlots {
  const byCaller = new Map<string, number>();
  let total = 0;
  const stats: StreamStats = { open: { task: 0, account: 0 }, sent: { task: 0, account: 0 }, refused: { caller: 0, process: 0 }, accountReads: 0 };
  return {
    open(caller, kind, limits) {
      const mine = byCaller.get(caller) ?? 0;
      if (total >= limits.total) {
        stats.refused.process++;
        return { ok: false, scope: 'process', limit: limits.total };
      }
      if (mine >= limits.perCaller) {
        stats.refused.caller++;
        return { ok: false, scope: 'caller', limit: limits.perCaller };
      }
      byCaller.set(caller, mine + 1);
      total++;
      stats.open[kind]++;
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          total--;
          stats.open[kind]--;
          const left = (byCaller.get(caller) ?? 1) - 1;
          if (left > 0) byCaller.set(caller, left);
          else byCaller.delete(caller);
        },
      };
    },
    sent(kind, n = 1) {
      stats.sent[kind] += n;
    },
    accountRead() {
      stats.accountReads++;
    },
    stats,
  };
}
