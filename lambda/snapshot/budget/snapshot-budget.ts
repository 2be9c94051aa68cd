import type { SnapshotEstimate } from './estimate-size';

/**
 * How large a snapshot before migrating may be. A snapshot that would not fit is refused (and with it the
 * migration), never silently skipped.
 */
export interface SnapshotBudget {
  /** Largest estimated size (`pg_table_size` of the tables), bytes. @default no limit */
  readonly maxBytes?: number;
  /** Longest estimated export time, seconds. @default no limit */
  readonly maxSeconds?: number;
  /**
   * Export rate the time estimate assumes, bytes of table (as `pg_table_size` counts them) per second.
   * The benchmark (`npm run bench:snapshot`) measures it; about 8 MiB/s through the Data API on a
   * loaded 2-core machine. @default 8 MiB/s
   */
  readonly bytesPerSecond?: number;
}

export const DEFAULT_EXPORT_BYTES_PER_SECOND = 8 * 1024 * 1024;

/** The snapshot would not fit its budget: nothing was exported and nothing migrated. */
export class SnapshotBudgetError extends Error {
  override readonly name = 'SnapshotBudgetError';
  constructor(
    message: string,
    readonly estimate: SnapshotEstimate,
    readonly budget: SnapshotBudget,
  ) {
    super(message);
  }
}

/** `1.5 GB`-style size for messages (powers of 1,024, as `pg_size_pretty`). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/**
 * Checks an estimate against a budget.
 * @param what names the snapshot for the message, e.g. `the snapshot before migrating (scope full, schemas public)`
 * @returns the estimated export time, seconds
 * @throws {SnapshotBudgetError} saying the estimate, the budget exceeded, its largest tables, and what to do
 * @throws {Error} on a malformed budget, naming the field
 */
export function checkSnapshotBudget(estimate: SnapshotEstimate, budget: SnapshotBudget, what: string): number {
  const rate = budget.bytesPerSecond ?? DEFAULT_EXPORT_BYTES_PER_SECOND;
  for (const [field, value] of [['maxBytes', budget.maxBytes], ['maxSeconds', budget.maxSeconds], ['bytesPerSecond', rate]] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) throw new Error(`budget.${field}: ${value} must be a positive number`);
  }
  const seconds = estimate.bytes / rate;
  const over: string[] = [];
  if (budget.maxBytes !== undefined && estimate.bytes > budget.maxBytes) over.push(`its size is over maxBytes ${formatBytes(budget.maxBytes)}`);
  if (budget.maxSeconds !== undefined && seconds > budget.maxSeconds) {
    over.push(`its export would take about ${Math.ceil(seconds)} s at ${formatBytes(rate)}/s, over maxSeconds ${budget.maxSeconds} s`);
  }
  if (over.length === 0) return seconds;
  const largest = [...estimate.tables]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map((t) => `"${t.schema}"."${t.table}" ${formatBytes(t.bytes)}`)
    .join(', ');
  throw new SnapshotBudgetError(
    `Snapshot refused: ${what} is estimated at ${formatBytes(estimate.bytes)} in ${estimate.tables.length} tables (about ${Math.round(estimate.rows)} rows, from pg_class), and ${over.join(' and ')}. ` +
      `Largest: ${largest || 'none'}. Nothing was exported and nothing was migrated. ` +
      'Raise the budget, narrow the snapshot (scope affected), or take a backup yourself and migrate with scope none.',
    estimate,
    budget,
  );
}
