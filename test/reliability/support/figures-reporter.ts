/**
 * A vitest reporter for `vitest.reliability.config.ts`: empties the figures file when the run starts
 * and prints the figures table (`figures-table.ts`) when it ends, then removes the file unless asked
 * to keep it. A run that lost rows or crashed
 * fails (exit code 1) even if no assertion caught it.
 */
import { rmSync } from 'node:fs';
import type { Reporter } from 'vitest/reporters';
import { readFigures } from './figures';
import { formatFiguresTable, sumFigures } from './figures-table';

export class FiguresReporter implements Reporter {
  /**
   * @param file the JSON-lines file the tests append to (`FIGURES_FILE_ENV`)
   * @param keep leave the file after printing (when the caller chose it); @default false: removed
   */
  constructor(
    private readonly file: string,
    private readonly keep = false,
  ) {}

  onInit(): void {
    rmSync(this.file, { force: true });
  }

  onTestRunEnd(): void {
    const records = readFigures(this.file);
    const { total } = sumFigures(records);
    process.stdout.write(`\nReliability figures (${records.length} records):\n\n${formatFiguresTable(records)}\n\n`);
    if (!this.keep) rmSync(this.file, { force: true });
    if (total.rowsLost > 0 || total.crashes > 0) {
      process.stdout.write(`FAILED: ${total.rowsLost} row(s) lost, ${total.crashes} crash(es); both must be 0.\n`);
      process.exitCode = 1;
    }
  }
}
