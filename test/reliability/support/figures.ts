/**
 * The reliability suite's figures: every test appends what it actually did (faults that fired, runs
 * that recovered, rows compared, inputs tried, ...) as one JSON line to the file named by
 * {@link FIGURES_FILE_ENV}; `figures-reporter.ts` sums them into the table printed at the end of
 * `npm run test:reliability`. Outside that run (the variable unset) recording does nothing.
 *
 * Record before asserting, so a failing test still shows its real counts (e.g. rows lost > 0).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/** Environment variable holding the JSON-lines file the figures go to (set by `vitest.reliability.config.ts`). */
export const FIGURES_FILE_ENV = 'RDS_MIGRATE_RELIABILITY_FIGURES';

/** The counters of the table, each a count of things that happened in a test. */
export interface FigureCounts {
  /** Faults that fired: Data API or S3 errors answered, connections dropped, cut-offs, restarts. */
  readonly faultsInjected?: number;
  /** Runs after a fault that ended with the database as a clean run leaves it. */
  readonly runsRecovered?: number;
  /** Rows compared with the expected contents after recovery. */
  readonly rowsChecked?: number;
  /** Expected rows missing or different after recovery (must be 0). */
  readonly rowsLost?: number;
  /** Hostile or malformed inputs tried (events, migration files, names, bundles). */
  readonly inputsFuzzed?: number;
  /** Runs or inputs that failed without a clear report (must be 0), see `crash.ts`. */
  readonly crashes?: number;
}

export const FIGURE_COLUMNS = ['faultsInjected', 'runsRecovered', 'rowsChecked', 'rowsLost', 'inputsFuzzed', 'crashes'] as const satisfies ReadonlyArray<
  keyof FigureCounts
>;

export type FigureColumn = (typeof FIGURE_COLUMNS)[number];

/** One line of the figures file: the area of the table (e.g. `Data API faults`) and its counts. */
export interface FigureRecord extends FigureCounts {
  readonly area: string;
}

/**
 * Appends `counts` for `area` to the figures file (synchronously, one `O_APPEND` write, so lines of
 * test files running in parallel do not interleave). A no-op when {@link FIGURES_FILE_ENV} is unset.
 * @throws {Error} naming the field when a count is not a whole number >= 0
 */
export function recordFigures(area: string, counts: FigureCounts): void {
  for (const column of FIGURE_COLUMNS) {
    const value = counts[column];
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new Error(`recordFigures: ${column} must be a whole number >= 0, got ${value}`);
  }
  const file = process.env[FIGURES_FILE_ENV];
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ area, ...counts } satisfies FigureRecord)}\n`);
}

/**
 * Reads the figures file; a missing file reads as no records.
 * @throws {Error} naming the line when one is not a figure record
 */
export function readFigures(file: string): FigureRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const record = JSON.parse(line) as FigureRecord;
      if (typeof record.area !== 'string') throw new Error(`${file}:${index + 1}: not a figure record: ${line}`);
      return record;
    });
}
