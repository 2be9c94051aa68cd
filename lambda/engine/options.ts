import { VERSION_PATTERN } from '../migrations/compare-versions';
import type { HistoryOptions } from './history/tables';
import type { LockOptions } from './lock/lease';
import type { Log } from '../observability/log';
import type { DataMigrationLoader, DataMigrationProgressListener } from './data/data-migration';
import type { TimeBudget } from './run/time-budget';
import type { LongStatementOptions } from './run/long-statement';
import type { RetryOptions } from './run/retry';
import type { TimeoutOptions } from './run/timeouts';
import type { TransientRetryOptions } from './run/transient';

/** Options every command takes. */
export interface EngineOptions extends HistoryOptions {
  /** Where progress is logged (names, versions, counts, durations; never row data). @default silentLog */
  readonly log?: Log;
  /**
   * Retries after transient failures: Serverless v2 resuming from 0 ACU, throttling, 5xx, dropped
   * connections (`run/transient.ts`). @default { retries: 8, baseDelayMs: 500, maxDelayMs: 10000 }
   */
  readonly transientRetry?: TransientRetryOptions;
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
  /**
   * Lock timeout retries (`run/retry.ts`); a migration's `retries` directive overrides `retries`.
   * @default { retries: 3, baseDelayMs: 500, maxDelayMs: 10000 }
   */
  readonly retry?: RetryOptions;
  /**
   * How long to wait for a statement that outlived its Data API call (45 s) and goes on on the
   * server (`run/long-statement.ts`). @default { maxWaitMs: 600000, pollMs: 2000, progressLogMs: 30000 }
   */
  readonly longStatements?: LongStatementOptions;
  /**
   * The run's time budget, e.g. the Lambda context's `getRemainingTimeInMillis`: the run stops cleanly
   * before a migration, or between a data migration's batches, once less than `reserveMs` is left,
   * and reports where it stopped (`run/time-budget.ts`). @default none (no limit)
   */
  readonly timeBudget?: TimeBudget;
  /**
   * Loads a data migration's module (`data/data-migration.ts`); required when the plan runs one.
   */
  readonly loadDataMigration?: DataMigrationLoader;
  /**
   * Receives a data migration's progress after each batch (`data/data-migration.ts`,
   * `DataMigrationProgress`: counts, never row data), e.g. for a progress bar. @default none
   */
  readonly onDataProgress?: DataMigrationProgressListener;
  /**
   * Send a transaction step (a migration's transaction with its schema history row) as one DO block
   * call when it can be (`plan/fold.ts`): one Data API call instead of BeginTransaction, one per
   * statement and CommitTransaction. @default true
   */
  readonly foldTransactions?: boolean;
  /**
   * Send consecutive folded migrations together, as one DO block call that commits each migration on
   * its own before the next starts (`plan/fold-batch.ts`, `run/batch.ts`): a failing migration leaves
   * the ones before it applied, and is reported as when sent alone. @default true
   */
  readonly batchMigrations?: boolean;
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
