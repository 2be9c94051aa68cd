import { VERSION_PATTERN } from '../migrations/compare-versions';
import type { HistoryOptions } from './history/tables';
import type { LockOptions } from './lock/lease';
import type { Log } from '../observability/log';
import type { IndexBuildWaitOptions } from './run/concurrent-index';
import type { RetryOptions } from './run/retry';
import type { TimeoutOptions } from './run/timeouts';

/** Options every command takes. */
export interface EngineOptions extends HistoryOptions {
  /** Where progress is logged (names, versions, counts, durations; never row data). @default silentLog */
  readonly log?: Log;
}

/** Options of the commands that change the database (and so take the lock lease). */
export interface WriteOptions extends EngineOptions {
  /** Who runs the command: recorded in the schema history and shown as the lock's owner. */
  readonly appliedBy: string;
  /** Lock lease behaviour (`lock/lease.ts`). */
  readonly lock?: LockOptions;
}

/** Options of the commands that run scripts (migrate, rollback). */
export interface RunOptions extends WriteOptions, TimeoutOptions {
  /** Lock timeout retries (`run/retry.ts`). */
  readonly retry?: RetryOptions;
  /**
   * How long to wait for a CREATE INDEX CONCURRENTLY that outlived its Data API call (45 s) and goes
   * on on the server (`run/concurrent-index.ts`). @default { maxWaitMs: 600000, pollMs: 2000 }
   */
  readonly indexBuildWait?: IndexBuildWaitOptions;
}

/**
 * Checks `appliedBy`: a non-empty string of at most 200 characters.
 * @throws {Error} naming the field otherwise
 */
export function checkAppliedBy(appliedBy: unknown): string {
  if (typeof appliedBy !== 'string' || appliedBy.trim() === '' || appliedBy.length > 200) {
    throw new Error(`appliedBy must be a non-empty string of at most 200 characters, got ${JSON.stringify(appliedBy)}`);
  }
  return appliedBy;
}

/**
 * Checks a version given as an option (digit groups separated by dots, as in the bundle).
 * @param field the option's name, for the error (e.g. `targetVersion`)
 * @throws {Error} naming the field otherwise
 */
export function checkVersion(value: unknown, field: string): string {
  if (typeof value !== 'string' || !VERSION_PATTERN.test(value)) {
    throw new Error(`${field} must be a migration version (digit groups separated by dots, e.g. 0022 or 1.2.1), got ${JSON.stringify(value)}`);
  }
  return value;
}
