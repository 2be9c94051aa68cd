/** One line of the benchmark's table. */
export interface Figure {
  readonly what: string;
  readonly ours: string;
  readonly reference: string;
  readonly measured: string;
  readonly target: string;
  readonly pass: boolean;
}

/** The figures as a plain-text table with a PASS/FAIL column. */
export function formatFigures(figures: readonly Figure[]): string {
  const header = ['measure', 'ours', 'reference', 'measured', 'target', ''];
  const rows = figures.map((f) => [f.what, f.ours, f.reference, f.measured, f.target, f.pass ? 'PASS' : 'FAIL']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
