/** What the server rendered into the page (task types, settings help): read once. */
import type { PageMeta } from './types';

let cached: PageMeta | null = null;

export function pageMeta(): PageMeta {
  if (cached) return cached;
  const raw = document.getElementById('app')?.dataset.meta;
  try {
    cached = raw ? (JSON.parse(raw) as PageMeta) : { taskTypes: [], settingDescriptions: {} };
  } catch {
    cached = { taskTypes: [], settingDescriptions: {} };
  }
  return cached;
}
