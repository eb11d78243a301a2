/**
 * The settings form's text ↔ value mapping, driven by the values themselves so a setting added to the
 * API shows up without a page change: numbers, lists of numbers ("60, 120, 300"), anything else as JSON.
 */
export type FieldKind = 'number' | 'numbers' | 'json';

export function kindOf(value: unknown): FieldKind {
  if (typeof value === 'number') return 'number';
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return 'numbers';
  return 'json';
}

export function toText(kind: FieldKind, value: unknown): string {
  if (kind === 'number') return String(value);
  if (kind === 'numbers') return (value as number[]).join(', ');
  return JSON.stringify(value, null, 2);
}

/** The value for the API, or an error message for the field. */
export function fromText(kind: FieldKind, text: string): { value: unknown } | { error: string } {
  const t = text.trim();
  if (kind === 'number') {
    if (!t || !Number.isFinite(Number(t))) return { error: 'Enter a number.' };
    return { value: Number(t) };
  }
  if (kind === 'numbers') {
    const parts = t.split(/[\s,;]+/).filter(Boolean);
    if (!parts.length) return { error: 'Enter at least one number.' };
    const nums = parts.map(Number);
    if (nums.some((n) => !Number.isFinite(n))) return { error: 'Numbers separated by commas, e.g. 60, 120, 300.' };
    return { value: nums };
  }
  try {
    return { value: JSON.parse(t) };
  } catch (err) {
    return { error: `Not valid JSON: ${(err as Error).message}` };
  }
}

/** "rateLimitBackoffSeconds" → "Rate limit backoff seconds". */
export function labelOf(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A retention period as people say it: "30 days", "1 day", "0.5 days". */
export function days(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  return `${value} ${value === 1 ? 'day' : 'days'}`;
}

/** The cutoff a retention period gives now: rows older than this go. */
export function cutoffOf(retentionDays: number, now: number): Date {
  return new Date(now - retentionDays * 86_400_000);
}

export interface TaskCleanupAnswer {
  deleted: { tasks: number; taskEvents: number; accountErrors: number; accounts: number };
  done: boolean;
  batches: number;
  longestBatchMs: number;
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** What `POST /api/tasks/cleanup` did, in a sentence. */
export function cleanupSummary(r: TaskCleanupAnswer): string {
  const d = r.deleted;
  const what = `${plural(d.tasks, 'finished task', 'finished tasks')}, ${plural(d.taskEvents, 'event', 'events')}, `
    + `${plural(d.accountErrors, 'error row', 'error rows')} and ${plural(d.accounts, 'idle account', 'idle accounts')}`;
  const how = `${plural(r.batches, 'batch', 'batches')}, the longest ${r.longestBatchMs} ms`;
  return `Deleted ${what} (${how}).${r.done ? '' : ' Time ran out before the end: run it again for the rest.'}`;
}
