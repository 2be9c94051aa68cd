import type { Colour } from './colour';
import type { TextSink } from './status-line';
import { renderTable, type TableColumn } from './table';

/** Human output on stdout: lines and tables, coloured when `colour.enabled`. */
export interface Printer {
  readonly colour: Colour;
  /** Writes one line (a newline is added). */
  line(text?: string): void;
  /** Writes a table (see `renderTable`), the header in bold. */
  table(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): void;
}

export function createPrinter(sink: TextSink, colour: Colour): Printer {
  const line = (text = ''): void => {
    sink.write(`${text}\n`);
  };
  return {
    colour,
    line,
    table(columns, rows) {
      for (const text of renderTable(columns, rows, colour.bold)) line(text);
    },
  };
}
