/**
 * Colours for canvas charts, read from the stylesheet's custom properties (dashboard/charts.css) so the
 * light and dark schemes are defined in one place. A canvas cannot use `var(--x)` itself.
 */
export function chartColor(name: string, fallback = '#888'): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(`--chart-${name}`).trim();
  return value || fallback;
}

/** The outcome's word and colour: the chart, its legend and the timeline agree. */
export const OUTCOME_LABEL: Record<string, string> = {
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
  deduplicated: 'Deduplicated',
};
