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
