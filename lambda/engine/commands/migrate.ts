import type { Driver } from '../../driver/driver';
import type { BundledMigration, MigrationBundle } from '../../migrations/bundle';
import { silentLog } from '../../observability/log';
import type { HistoryTables } from '../history/tables';
import { withLease } from '../lock/with-lease';
import type { RunOptions } from '../options';
import { checkDataMigrations } from '../data/run-data-migration';
import { readUpPlan } from '../plan/read-up-plan';
import type { PlannedMigration, PlannedRepeatable } from '../plan/types';
import { executeOptions, type MigrationOutcome } from '../run/execute-plan';
import { executeWithReplanning } from '../run/replan';
import type { StoppedRun } from '../run/time-budget';
import type { Status } from '../status/compute';
import { versionKey } from '../../migrations/compare-versions';

export interface MigrateOptions extends RunOptions {
  /** Last version to apply (inclusive). @default the bundle's last */
  readonly targetVersion?: string;
  /** Migrate although applied versions are missing from the bundle (an older bundle). @default false */
  readonly allowMissing?: boolean;
  /**
   * Called once, holding the lock, before the first pending migration (or repeatable migration) runs,
   * with the versioned migrations about to run (possibly none, when only repeatable ones are due); not
   * called when nothing is to run. The function takes its snapshot here: if it throws, nothing is
   * migrated and migrate rethrows its error.
   */
  readonly beforeApply?: (pending: BundledMigration[]) => Promise<void>;
}

export interface MigrateReport {
  /** Versioned migrations this run applied, in order. */
  readonly applied: MigrationOutcome[];
  /** Repeatable migrations this run applied (version ''), in order. */
  readonly repeatables: MigrationOutcome[];
  /** Bundled versions already applied (or baselined) before this run. */
  readonly alreadyApplied: number;
  /** Highest applied version after the run (null when none). */
  readonly current: string | null;
  /**
   * Set when the run stopped before the end of its plan because its time budget ran out: the
   * migration that is next, or in progress (a data migration). Run migrate again to continue.
   */
  readonly stopped?: StoppedRun;
}

/** What the schema history records for a migration that ran in a run whose step outcome was unknown. */
function completedMs(status: Status, unit: PlannedMigration | PlannedRepeatable): number | undefined {
  if (unit.kind === 'repeatable') {
    const s = status.repeatables.find((r) => r.name === unit.name);
    return s?.state === 'applied' && s.row?.checksum === unit.repeatable.checksum ? s.row.executionMs : undefined;
  }
  const s = status.migrations.find((m) => versionKey(m.version) === versionKey(unit.version));
  return s?.state === 'applied' ? s.row?.executionMs : undefined;
}

/**
 * Migrate: applies the pending migrations (up to `targetVersion`), then the due repeatable ones,
 * holding the lock lease.
 *
 * Refuses to start, changing nothing, when an applied up file changed (naming the file, expected and
 * found checksum), an unfinished row cannot be resumed, an applied version is missing from the bundle,
 * or a pending one is below the current version (see `status/validate.ts`). A transactional migration
 * runs in one transaction with its schema history row; a non-transactional one statement by statement
 * with recorded progress, resuming after a failure; a data migration through its module, its batches
 * checkpointed (see `plan/build-up.ts`). A step whose outcome is unknown after a transient failure is
 * resolved by reading the schema history again (`run/replan.ts`). With a time budget the run may stop
 * early, cleanly: see `stopped`.
 *
 * @throws {HistoryValidationError} when it refuses to start
 * @throws {LockHeldError} when another runner holds the lock
 * @throws {MigrationError} when a migration fails (version, file, line, SQLSTATE, what stayed applied)
 * @throws whatever `beforeApply` throws
 */
export async function migrate(driver: Driver, bundle: MigrationBundle, options: MigrateOptions): Promise<MigrateReport> {
  const log = options.log ?? silentLog;
  return withLease(driver, options, async (lease, tables: HistoryTables) => {
    const { status, plan } = await readUpPlan(driver, bundle, options);
    const alreadyApplied = status.migrations.filter((s) => s.migration && s.state === 'applied').length;
    if (plan.migrations.length === 0 && plan.repeatables.length === 0) {
      log.info('nothing to migrate', { current: status.current, alreadyApplied });
      return { applied: [], repeatables: [], alreadyApplied, current: status.current };
    }
    log.info('migrating', { from: status.current, to: plan.target, migrations: plan.migrations.length, repeatables: plan.repeatables.length });
    await checkDataMigrations(plan, options.loadDataMigration);
    if (options.beforeApply) await options.beforeApply(plan.migrations.map((m) => m.migration));
    // Re-planning keeps the first plan's end.
    const target = plan.target ?? undefined;
    const progress = await executeWithReplanning(driver, plan, executeOptions(options, lease, log, tables), async () => {
      const next = await readUpPlan(driver, bundle, { ...options, ...(target ? { targetVersion: target } : {}) });
      return {
        plan: next.plan,
        completedMs: (unit) => completedMs(next.status, unit),
      };
    });
    const done = progress.applied;
    const current = progress.stopped
      ? (done.length > 0 ? done[done.length - 1]!.version : status.current)
      : plan.target;
    return {
      applied: done,
      repeatables: progress.repeatables,
      alreadyApplied,
      current,
      ...(progress.stopped ? { stopped: progress.stopped } : {}),
    };
  });
}
