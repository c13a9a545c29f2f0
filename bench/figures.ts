/** One measured figure, its target, and whether it met it. */
export type Figure = {
  name: string;
  value: number | undefined;
  unit: string;
  /** The target as the issue states it; undefined for figures reported without one. */
  target?: { better: 'lower' | 'higher'; limit: number };
  /** Why there is no value, or what the value is made of. */
  note?: string;
};

export type Verdict = 'met' | 'missed' | '—';

export function verdict(figure: Figure): Verdict {
  if (!figure.target || figure.value === undefined) return '—';
  const { better, limit } = figure.target;
  return (better === 'lower' ? figure.value <= limit : figure.value >= limit) ? 'met' : 'missed';
}

/** The p-th percentile (0–100) by nearest rank; NaN for no samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

const at = (better: 'lower' | 'higher', limit: number) => ({ better, limit });
export const lowerThan = (limit: number) => at('lower', limit);
export const higherThan = (limit: number) => at('higher', limit);

/** The figures as a table a person reads in a terminal. */
export function formatTable(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    f.value === undefined ? 'not measured' : `${round(f.value)} ${f.unit}`,
    f.target ? `${f.target.better === 'lower' ? '≤' : '≥'} ${f.target.limit} ${f.unit}` : '',
    verdict(f),
    f.note ?? '',
  ]);
  const header = ['figure', 'value', 'target', '', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function round(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
