import type { BundledMigration } from '../../migrations/bundle';
import { compareVersions } from '../../migrations/compare-versions';
import { dataMigrationOf } from '../data/data-migration';
import { deleteProgress } from '../data/progress';
import type { HistoryTables } from '../history/tables';
import { insertFinished } from '../history/writes';
import { checkVersion } from '../options';
import type { TimeoutOptions } from '../run/timeouts';
import { timeoutSettings } from '../run/timeouts';
import { isApplied, type Status } from '../status/compute';
import { appliedAbove } from '../status/validate';
import { migrationStatement } from './migration-statement';
import { transactionStep } from './transaction-step';
import { runSettings } from './run-settings';
import type { MigrationPlan, PlannedMigration, PlannedStep, RunSettings } from './types';

export interface DownPlanOptions extends TimeoutOptions {
  readonly tables: HistoryTables;
  /** Send a transaction step as one DO block call when it can be (`fold.ts`). @default true */
  readonly foldTransactions?: boolean;
  readonly appliedBy: string;
  /** The version to end at (it stays applied); `0` reverts everything. */
  readonly targetVersion: string;
}

/**
 * The steps reverting one migration with its down script, recorded by an `undo` schema history row
 * (the version is pending again). A down script whose statements may all run in a transaction runs in
 * one, which opens with the row; otherwise each statement runs on its own (those that may, in a
 * transaction with the timeouts), then the row is written: a failure part-way is not recorded, so the
 * down script should be safe to run again (DROP ... IF EXISTS).
 *
 * A data migration runs its module's `down`, then writes the row and deletes its batch checkpoints
 * in one transaction.
 */
function downSteps(migration: BundledMigration, settings: RunSettings, options: DownPlanOptions): { transactional: boolean; file: string; steps: PlannedStep[] } {
  const data = dataMigrationOf(migration);
  const undo = (opener?: TimeoutOptions, checksum = migration.down?.checksum ?? migration.checksum, statements = migration.down?.statements.length ?? 0) =>
    insertFinished(
      options.tables,
      { version: migration.version, name: migration.name, type: 'undo', checksum, appliedBy: options.appliedBy, statements },
      opener ? { opener } : {},
    );
  if (data) {
    return {
      transactional: false,
      file: migration.up.file,
      steps: [
        { transaction: false, statements: [], data: { module: data.module, direction: 'down' } },
        { transaction: true, statements: [undo(settings.timeouts, migration.checksum, 0), deleteProgress(options.tables, migration.version)] },
      ],
    };
  }
  const down = migration.down!;
  const planned = down.statements.map((statement, i) => migrationStatement(down, statement, i));
  if (down.statements.every((s) => !s.nonTransactional) && migration.directives?.transaction !== false) {
    const step = transactionStep(
      (opener) => undo(opener),
      planned,
      { timeouts: settings.timeouts, ...(options.foldTransactions === undefined ? {} : { fold: options.foldTransactions }) },
      { version: migration.version, name: migration.name, type: 'undo', checksum: down.checksum },
    );
    return { transactional: true, file: down.file, steps: [step] };
  }
  const steps: PlannedStep[] = down.statements.map((statement, i) =>
    statement.nonTransactional
      ? { transaction: false, statements: [planned[i]!], statementsDone: i + 1 }
      : { transaction: true, statements: [timeoutSettings(settings.timeouts), planned[i]!], statementsDone: i + 1 },
  );
  steps.push({ transaction: false, statements: [undo()] });
  return { transactional: false, file: down.file, steps };
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
 * Plans rollback: the applied versions above the target, highest first, each with its down script
 * (and its directives' timeouts and retries). The status must have passed `rollbackProblems`.
 * Repeatable migrations are not reverted.
 * @throws {Error} for a bad target (see {@link checkRollbackTarget}), or a directive's timeout out of range
 */
export function buildDownPlan(status: Status, options: DownPlanOptions): MigrationPlan {
  const target = options.targetVersion;
  checkRollbackTarget(status, target);
  const migrations: PlannedMigration[] = appliedAbove(status, target).map((s) => {
    const migration = s.migration!;
    const settings = runSettings(migration, options);
    const { transactional, file, steps } = downSteps(migration, settings, options);
    return {
      kind: 'versioned',
      version: migration.version,
      name: migration.name,
      direction: 'down',
      migration,
      file,
      transactional,
      resumeAfter: 0,
      priorExecutionMs: 0,
      ...settings,
      steps,
    };
  });
  const remaining = status.migrations.filter((s) => isApplied(s) && compareVersions(s.version, target) <= 0);
  return { direction: 'down', current: status.current, target: remaining[remaining.length - 1]?.version ?? null, migrations, repeatables: [] };
}
