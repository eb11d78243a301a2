/** A small SVG bar chart of the latest figures: throughput and handoff p50 per system. */
interface Figures {
  figures: Record<string, { throughput?: { tasksPerSecond: number; finished?: boolean }; handoff?: { p50: number } }>;
  machine: { cpus: number; cpuModel: string; memoryGiB: number };
  mode: string;
  startedAt: string;
}

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

function bars(title: string, unit: string, entries: [string, number][], x0: number, y0: number, w: number): string {
  const max = Math.max(1, ...entries.map(([, v]) => (Number.isFinite(v) ? v : 0)));
  const rowH = 26;
  let out = `<text x="${x0}" y="${y0}" font-weight="bold">${esc(title)}</text>`;
  entries.forEach(([name, v], i) => {
    const y = y0 + 14 + i * rowH;
    const bw = Number.isFinite(v) ? Math.max(2, (v / max) * (w - 300)) : 0;
    out += `<text x="${x0}" y="${y + 15}">${esc(name)}</text>`;
    out += `<rect x="${x0 + 190}" y="${y}" width="${bw.toFixed(1)}" height="18" fill="${name === 'baton' ? '#2b6cb0' : '#a0aec0'}"/>`;
    out += `<text x="${x0 + 196 + bw}" y="${y + 14}">${Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : 'n/a'} ${esc(unit)}</text>`;
  });
  return out;
}

/** The in-memory floor is no durable system: it is named under the title, not drawn (it would flatten the rest). */
const FLOOR = 'in-memory';

export function chart(r: Figures): string {
  const names = Object.keys(r.figures).filter((n) => n !== FLOOR);
  const w = 720;
  const h = 120 + names.length * 26 * 2 + 60;
  const label = (n: string) => (r.figures[n]!.throughput?.finished === false ? `${n} (did not finish)` : n);
  const tp = names.map((n): [string, number] => [label(n), r.figures[n]!.throughput?.tasksPerSecond ?? NaN]);
  const ho = names.map((n): [string, number] => [n, r.figures[n]!.handoff?.p50 ?? NaN]);
  const floor = r.figures[FLOOR]?.throughput?.tasksPerSecond;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="white"/>
<text x="20" y="24" font-size="15" font-weight="bold">Baton vs peers (${esc(r.mode)} run, ${esc(r.startedAt.slice(0, 10))})</text>
<text x="20" y="42" fill="#4a5568">${esc(`${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB${floor ? `; in-memory floor (no durability): ${Math.round(floor).toLocaleString('en')} tasks/s` : ''}`)}</text>
${bars('Throughput (higher is better)', 'tasks/s', tp, 20, 70, w)}
${bars('Handoff latency p50 (lower is better)', 'ms', ho, 20, 100 + names.length * 26, w)}
</svg>
`;
}
