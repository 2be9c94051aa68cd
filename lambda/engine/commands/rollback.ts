import type { Driver } from '../../driver/driver';
import type { BundledMigration, MigrationBundle } from '../../migrations/bundle';
import { silentLog } from '../../observability/log';
import { checkDataMigrations } from '../data/run-data-migration';
import { withLease } from '../lock/with-lease';
import type { RunOptions } from '../options';
import { readDownPlan } from '../plan/read-down-plan';
import { executeOptions, type MigrationOutcome } from '../run/execute-plan';
import { executeWithReplanning } from '../run/replan';
import type { StoppedRun } from '../run/time-budget';
import { readSchemaHistory } from '../history/read';
import { computeStatus } from '../status/compute';
import { appliedAbove } from '../status/validate';
import { versionKey } from '../../migrations/compare-versions';

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
  /** Set when the time budget stopped the run before the target (a data migration's `down` in progress). */
  readonly stopped?: StoppedRun;
}

/**
 * Rollback: reverts the applied migrations above `targetVersion` with their down scripts (a data
 * migration with its module's `down`), highest first, holding the lock lease. Each reverted version
 * gets an `undo` schema history row and is pending again. Repeatable migrations are left as they are.
 *
 * Refuses up front, before anything runs, when any migration to revert has no down script, is missing
 * from the bundle or changed since applied, or an unfinished row exists.
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
    await checkDataMigrations(plan, options.loadDataMigration);
    if (options.beforeApply) await options.beforeApply(plan.migrations.map((m) => m.migration));
    const progress = await executeWithReplanning(driver, plan, executeOptions(options, lease, log, tables), async () => {
      const again = computeStatus(bundle, await readSchemaHistory(driver, options));
      const completedMs = (unit: { version: string }) => {
        const s = again.migrations.find((m) => versionKey(m.version) === versionKey(unit.version));
        return s?.state === 'pending' && s.row?.type === 'undo' ? s.row.executionMs : undefined;
      };
      // Everything above the target may be reverted by now: nothing left to plan.
      if (appliedAbove(again, options.targetVersion).length === 0) {
        return { plan: { direction: 'down', current: again.current, target: again.current, migrations: [], repeatables: [] }, completedMs };
      }
      return { plan: (await readDownPlan(driver, bundle, options)).plan, completedMs };
    });
    if (progress.stopped) {
      const reverted = new Set(progress.applied.map((o) => versionKey(o.version)));
      const left = status.migrations.filter((s) => (s.state === 'applied' || s.state === 'changed' || s.state === 'missing') && !reverted.has(versionKey(s.version)));
      return { reverted: progress.applied, current: left[left.length - 1]?.version ?? null, stopped: progress.stopped };
    }
    return { reverted: progress.applied, current: plan.target };
  });
}
