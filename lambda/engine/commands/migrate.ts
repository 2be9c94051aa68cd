import type { Driver } from '../../driver/driver';
import type { BundledMigration, MigrationBundle } from '../../migrations/bundle';
import { silentLog } from '../../observability/log';
import { withLease } from '../lock/with-lease';
import type { RunOptions } from '../options';
import { readUpPlan } from '../plan/read-up-plan';
import { executeOptions, executePlan, type MigrationOutcome } from '../run/execute-plan';

export interface MigrateOptions extends RunOptions {
  /** Last version to apply (inclusive). @default the bundle's last */
  readonly targetVersion?: string;
  /** Migrate although applied versions are missing from the bundle (an older bundle). @default false */
  readonly allowMissing?: boolean;
  /**
   * Called once, holding the lock, before the first pending migration runs, with the migrations about
   * to run; not called when nothing is pending. The function takes its snapshot here: if it throws,
   * nothing is migrated and migrate rethrows its error.
   */
  readonly beforeApply?: (pending: BundledMigration[]) => Promise<void>;
}

export interface MigrateReport {
  /** What this run applied, in order. */
  readonly applied: MigrationOutcome[];
  /** Bundled versions already applied (or baselined) before this run. */
  readonly alreadyApplied: number;
  /** Highest applied version after the run (null when none). */
  readonly current: string | null;
}

/**
 * Migrate: applies the pending migrations (up to `targetVersion`) holding the lock lease.
 *
 * Refuses to start, changing nothing, when an applied up file changed (naming the file, expected and
 * found checksum), a failed row cannot be resumed, an applied version is missing from the bundle, or a
 * pending one is below the current version (see `status/validate.ts`). A transactional migration runs in
 * one transaction with its schema history row; a non-transactional one statement by statement with
 * recorded progress, resuming after a failure (see `plan/build-up.ts`).
 *
 * @throws {HistoryValidationError} when it refuses to start
 * @throws {LockHeldError} when another runner holds the lock
 * @throws {MigrationError} when a migration fails (version, file, line, SQLSTATE, what stayed applied)
 * @throws whatever `beforeApply` throws
 */
export async function migrate(driver: Driver, bundle: MigrationBundle, options: MigrateOptions): Promise<MigrateReport> {
  const log = options.log ?? silentLog;
  return withLease(driver, options, async (lease, tables) => {
    const { status, plan } = await readUpPlan(driver, bundle, options);
    const alreadyApplied = status.migrations.filter((s) => s.migration && s.state === 'applied').length;
    if (plan.migrations.length === 0) {
      log.info('nothing to migrate', { current: status.current, alreadyApplied });
      return { applied: [], alreadyApplied, current: status.current };
    }
    log.info('migrating', { from: status.current, to: plan.target, migrations: plan.migrations.length });
    if (options.beforeApply) await options.beforeApply(plan.migrations.map((m) => m.migration));
    const applied = await executePlan(driver, plan, tables.history, executeOptions(options, lease, log));
    return { applied, alreadyApplied, current: plan.target };
  });
}
