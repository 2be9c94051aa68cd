import { visibleWidth } from './colour';

/** A column of a text table. */
export interface TableColumn {
  readonly header: string;
  /** @default 'left' */
  readonly align?: 'left' | 'right';
}

/**
 * A plain text table: a header row, then one line per row, columns separated by two spaces and
 * padded to their widest cell (colour codes do not count towards widths). Lines carry no trailing
 * spaces (the last column is not padded; empty last cells leave nothing). Returns the lines, without newlines.
 * @throws {Error} when a row has another number of cells than there are columns
 */
export function renderTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[], header: (text: string) => string = (t) => t): string[] {
  rows.forEach((row, i) => {
    if (row.length !== columns.length) throw new Error(`renderTable: row ${i} has ${row.length} cells for ${columns.length} columns`);
  });
  const widths = columns.map((c, i) => Math.max(visibleWidth(c.header), ...rows.map((r) => visibleWidth(r[i]!))));
  const line = (cells: readonly string[], style: (text: string) => string = (t) => t): string =>
    cells
      .map((cell, i) => {
        const last = i === cells.length - 1;
        const pad = ' '.repeat(widths[i]! - visibleWidth(cell));
        if (columns[i]!.align === 'right') return pad + cell;
        return last ? cell : cell + pad;
      })
      .map((cell) => style(cell))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header), header), ...rows.map((r) => line(r))];
}
