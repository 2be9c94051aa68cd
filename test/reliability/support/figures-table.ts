/**
 * Sums figure records by area and renders the table `npm run test:reliability` prints.
 */
import { FIGURE_COLUMNS, type FigureColumn, type FigureRecord } from './figures';

export type FigureTotals = Record<FigureColumn, number>;

const HEADERS: Record<FigureColumn, string> = {
  faultsInjected: 'faults injected',
  runsRecovered: 'runs recovered',
  rowsChecked: 'rows checked',
  rowsLost: 'rows lost',
  inputsFuzzed: 'inputs fuzzed',
  crashes: 'crashes',
};

const zero = (): FigureTotals => ({ faultsInjected: 0, runsRecovered: 0, rowsChecked: 0, rowsLost: 0, inputsFuzzed: 0, crashes: 0 });

/** Totals per area (areas sorted by name) and over all areas. */
export function sumFigures(records: readonly FigureRecord[]): { byArea: Map<string, FigureTotals>; total: FigureTotals } {
  const byArea = new Map<string, FigureTotals>();
  const total = zero();
  for (const record of [...records].sort((a, b) => a.area.localeCompare(b.area))) {
    let area = byArea.get(record.area);
    if (!area) byArea.set(record.area, (area = zero()));
    for (const column of FIGURE_COLUMNS) {
      area[column] += record[column] ?? 0;
      total[column] += record[column] ?? 0;
    }
  }
  return { byArea, total };
}

/** The table, one row per area and a total row, numbers right-aligned with thousands separators. */
export function formatFiguresTable(records: readonly FigureRecord[]): string {
  const { byArea, total } = sumFigures(records);
  const rows: string[][] = [['area', ...FIGURE_COLUMNS.map((c) => HEADERS[c])]];
  for (const [area, totals] of byArea) rows.push([area, ...FIGURE_COLUMNS.map((c) => totals[c].toLocaleString('en-US'))]);
  rows.push(['total', ...FIGURE_COLUMNS.map((c) => total[c].toLocaleString('en-US'))]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}
