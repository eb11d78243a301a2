/** How times, durations and identifiers are written on the page. */

export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const neg = ms < 0;
  const abs = Math.abs(ms);
  let text: string;
  if (abs < 1000) text = `${Math.round(abs)} ms`;
  else if (abs < 10_000) text = `${(abs / 1000).toFixed(1)} s`;
  else if (abs < 60_000) text = `${Math.round(abs / 1000)} s`;
  else if (abs < 3_600_000) text = `${Math.floor(abs / 60_000)} min ${Math.round((abs % 60_000) / 1000)} s`;
  else text = `${Math.floor(abs / 3_600_000)} h ${Math.round((abs % 3_600_000) / 60_000)} min`;
  return neg ? `-${text}` : text;
}

/** A countdown: "0:42", "12:05", "1:02:03"; tenths under ten seconds, where they matter. */
export function countdown(ms: number): string {
  if (ms <= 0) return '0:00';
  if (ms < 10_000) return `${(Math.ceil(ms / 100) / 10).toFixed(1)} s`;
  const s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
}

/** "in 4.2 s" / "3 min ago". */
export function relative(iso: string, now: number): string {
  const diff = Date.parse(iso) - now;
  if (Math.abs(diff) < 500) return 'now';
  return diff > 0 ? `in ${duration(diff)}` : `${duration(-diff)} ago`;
}

/** Task ids are UUIDs: the first block is enough to tell them apart on one page. */
export function shortId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(id) ? id.slice(0, 8) : id;
}

/** How long the task ran; null while it waits (a rate-limited task waits again after a first run). */
export function taskDuration(t: { status: string; startedAt?: string | undefined; finishedAt?: string | undefined }, now: number): number | null {
  if (!t.startedAt) return null;
  if (t.finishedAt) return Date.parse(t.finishedAt) - Date.parse(t.startedAt);
  return t.status === 'running' ? now - Date.parse(t.startedAt) : null;
}

export function percent(fraction: number | null | undefined): string {
  return fraction === null || fraction === undefined ? '—' : `${(fraction * 100).toFixed(1)} %`;
}

export function compactJson(value: unknown, max = 120): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export const STATE_LABEL: Record<string, string> = {
  AVAILABLE: 'Available',
  RUNNING: 'Running',
  COOLDOWN: 'Cooldown',
  SUSPENDED: 'Suspended',
};
