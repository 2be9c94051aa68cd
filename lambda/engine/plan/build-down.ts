import type { BundledMigration } from '../../migrations/bundle';
import { insertFinished } from '../history/writes';
import type { HistoryTables } from '../history/tables';
import { timeoutSettings, type TimeoutOptions } from '../run/timeouts';
import { isApplied, type Status } from '../status/compute';
import { appliedAbove } from '../status/validate';
import { compareVersions } from '../../migrations/compare-versions';
import { checkVersion } from '../options';
import { migrationStatement } from './migration-statement';
import type { MigrationPlan, PlannedMigration, PlannedStep } from './types';

export interface DownPlanOptions extends TimeoutOptions {
  readonly tables: HistoryTables;
  readonly appliedBy: string;
  /** The version to end at (it stays applied); `0` reverts everything. */
  readonly targetVersion: string;
}

/**
 * The steps reverting one migration with its down script, ending with an `undo` schema history row
 * (the version is pending again). A down script whose statements may all run in a transaction runs in
 * one, together with the row; otherwise each statement runs on its own (those that may, in a
 * transaction with the timeouts), then the row is written: a failure part-way is not recorded, so the
 * down script should be safe to run again (DROP ... IF EXISTS).
 */
function downSteps(migration: BundledMigration, options: DownPlanOptions): { transactional: boolean; steps: PlannedStep[] } {
  const down = migration.down!;
  const undo = insertFinished(options.tables, {
    version: migration.version,
    name: migration.name,
    type: 'undo',
    checksum: down.checksum,
    appliedBy: options.appliedBy,
    statements: down.statements.length,
  });
  const planned = down.statements.map((statement, i) => migrationStatement(down, statement, i));
  if (down.statements.every((s) => !s.nonTransactional)) {
    return { transactional: true, steps: [{ transaction: true, statements: [...timeoutSettings(options), ...planned, undo] }] };
  }
  const steps: PlannedStep[] = down.statements.map((statement, i) =>
    statement.nonTransactional
      ? { transaction: false, statements: [planned[i]!], statementsDone: i + 1 }
      : { transaction: true, statements: [...timeoutSettings(options), planned[i]!], statementsDone: i + 1 },
  );
  steps.push({ transaction: false, statements: [undo] });
  return { transactional: false, steps };
}

/**
 * Checks a rollback target.
 * @throws {Error} when `targetVersion` is not a version, is neither `0` nor a version of the bundle or the history,
 *   or is above the current version
 */
export function checkRollbackTarget(status: Status, target: string): void {
  checkVersion(target, 'targetVersion');
  if (compareVersions(target, '0') !== 0 && !status.migrations.some((s) => compareVersions(s.version, target) === 0)) {
    throw new Error(`targetVersion ${target} is not a version of the bundle or the schema history (use 0 to revert everything)`);
  }
  if (status.current === null || compareVersions(target, status.current) > 0) {
    throw new Error(`targetVersion ${target} is above the current version ${status.current ?? 'none'}: use migrate to go up`);
  }
}

/**
 * Plans rollback: the applied versions above the target, highest first, each with its down script.
 * The status must have passed `rollbackProblems`.
 * @throws {Error} for a bad target (see {@link checkRollbackTarget})
 */
export function buildDownPlan(status: Status, options: DownPlanOptions): MigrationPlan {
  const target = options.targetVersion;
  checkRollbackTarget(status, target);
  const migrations: PlannedMigration[] = appliedAbove(status, target).map((s) => {
    const migration = s.migration!;
    const { transactional, steps } = downSteps(migration, options);
    return {
      version: migration.version,
      name: migration.name,
      direction: 'down',
      migration,
      file: migration.down!.file,
      transactional,
      resumeAfter: 0,
      priorExecutionMs: 0,
      steps,
    };
  });
  const remaining = status.migrations.filter((s) => isApplied(s) && compareVersions(s.version, target) <= 0);
  return { direction: 'down', current: status.current, target: remaining[remaining.length - 1]?.version ?? null, migrations };
}
