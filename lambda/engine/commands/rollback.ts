import type { Driver } from '../../driver/driver';
import type { BundledMigration, MigrationBundle } from '../../migrations/bundle';
import { silentLog } from '../../observability/log';
import { withLease } from '../lock/with-lease';
import type { RunOptions } from '../options';
import { readDownPlan } from '../plan/read-down-plan';
import { executeOptions, executePlan, type MigrationOutcome } from '../run/execute-plan';

export interface RollbackOptions extends RunOptions {
  /** The version to end at: every applied version above it is reverted; `0` reverts everything. */
  readonly targetVersion: string;
  /**
   * Called once, holding the lock, before the first down script runs, with the migrations about to be
   * reverted (highest first); not called when nothing is to revert. If it throws, nothing is reverted.
   */
  readonly beforeApply?: (toRevert: BundledMigration[]) => Promise<void>;
}

export interface RollbackReport {
  /** What this run reverted, highest version first. */
  readonly reverted: MigrationOutcome[];
  /** Highest applied version after the run (null when none). */
  readonly current: string | null;
}

/**
 * Rollback: reverts the applied migrations above `targetVersion` with their down scripts, highest
 * first, holding the lock lease. Each reverted version gets an `undo` schema history row and is
 * pending again.
 *
 * Refuses up front, before anything runs, when any migration to revert has no down script, is missing
 * from the bundle or changed since applied, or a failed row exists.
 * @throws {HistoryValidationError} when it refuses to start
 * @throws {LockHeldError} when another runner holds the lock
 * @throws {MigrationError} when a down script fails (version, file, line, SQLSTATE, what was reverted)
 */
export async function rollback(driver: Driver, bundle: MigrationBundle, options: RollbackOptions): Promise<RollbackReport> {
  const log = options.log ?? silentLog;
  return withLease(driver, options, async (lease, tables) => {
    const { status, plan } = await readDownPlan(driver, bundle, options);
    if (plan.migrations.length === 0) return { reverted: [], current: status.current };
    log.info('rolling back', { from: status.current, to: plan.target, migrations: plan.migrations.length });
    if (options.beforeApply) await options.beforeApply(plan.migrations.map((m) => m.migration));
    const reverted = await executePlan(driver, plan, tables.history, executeOptions(options, lease, log));
    return { reverted, current: plan.target };
  });
}
