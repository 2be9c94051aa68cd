import type { BundledMigration } from '../../migrations/bundle';
import { compareVersions } from '../../migrations/compare-versions';
import { dataMigrationOf } from '../data/data-migration';
import type { HistoryTables } from '../history/tables';
import { insertFinished, insertStarted, updateProgress } from '../history/writes';
import { checkVersion } from '../options';
import { invalidIndexGuardStatement, parseConcurrentIndex } from '../run/concurrent-index';
import type { TimeoutOptions } from '../run/timeouts';
import type { MigrationStatus, Status } from '../status/compute';
import { isResumable } from '../status/validate';
import { buildRepeatablesPlan } from './build-repeatables';
import { migrationStatement } from './migration-statement';
import { transactionStep } from './transaction-step';
import { runSettings, runsInOneTransaction } from './run-settings';
import type { MigrationPlan, PlannedMigration, PlannedStep, RunSettings } from './types';

export interface UpPlanOptions extends TimeoutOptions {
  readonly tables: HistoryTables;
  /** Send a transaction step as one DO block call when it can be (`fold.ts`). @default true */
  readonly foldTransactions?: boolean;
  /** Recorded as applied_by. */
  readonly appliedBy: string;
  /** Last version to apply (inclusive). @default the bundle's last */
  readonly targetVersion?: string;
}

/**
 * A transactional migration: one transaction that opens by writing its schema history row together
 * with the transaction's timeouts, then runs every up statement; a failure leaves neither the change
 * nor the row, and the commit-time check refuses to commit it once the lock lease is lost. Folded into
 * one DO block call when it can be (`fold.ts`).
 */
function transactionalSteps(migration: BundledMigration, settings: RunSettings, options: UpPlanOptions): PlannedStep[] {
  const up = migration.up;
  const entry = { version: migration.version, name: migration.name, type: 'sql' as const, checksum: migration.checksum, appliedBy: options.appliedBy, statements: up.statements.length };
  return [
    transactionStep(
      (opener) => insertFinished(options.tables, entry, opener ? { opener } : {}),
      up.statements.map((statement, i) => migrationStatement(up, statement, i)),
      { timeouts: settings.timeouts, ...(options.foldTransactions === undefined ? {} : { fold: options.foldTransactions }) },
      { version: migration.version, name: migration.name, type: 'sql', checksum: migration.checksum },
    ),
  ];
}

/** Where an unfinished migration resumes, and the version spelled as its row recorded it. */
function resumePoint(migration: BundledMigration, status: MigrationStatus): { resumeAfter: number; version: string; resuming: boolean } {
  const resuming = status.state === 'failed' || status.state === 'in-progress';
  return {
    resuming,
    resumeAfter: resuming ? (status.row?.statementsApplied ?? 0) : 0,
    version: resuming ? status.row!.version : migration.version,
  };
}

/**
 * A non-transactional migration, statement by statement, recording progress so a failed run resumes
 * at the failed statement:
 * 1. a schema history row with success false (unless resuming: it exists);
 * 2. each statement from `resumeAfter` on: a statement that must run outside a transaction runs alone
 *    (after the INVALID index guard for CREATE INDEX CONCURRENTLY), then the progress update; any other
 *    statement runs in a transaction that opens with its progress update (folded when it can be);
 * 3. the last progress update also marks the row succeeded.
 * The first step of a resumed migration is marked `resumed` (its statement may have run already).
 */
function nonTransactionalSteps(migration: BundledMigration, status: MigrationStatus, settings: RunSettings, options: UpPlanOptions): PlannedStep[] {
  const { tables } = options;
  const up = migration.up;
  const { resuming, resumeAfter, version } = resumePoint(migration, status);
  const total = up.statements.length;
  const steps: PlannedStep[] = [];
  if (!resuming) {
    steps.push({
      transaction: false,
      statements: [insertStarted(tables, { version, name: migration.name, type: 'sql', checksum: migration.checksum, appliedBy: options.appliedBy })],
      statementsDone: 0,
    });
  }
  for (let i = resumeAfter; i < total; i++) {
    const statement = up.statements[i]!;
    const planned = migrationStatement(up, statement, i);
    const last = i === total - 1;
    const resumed = resuming && i === resumeAfter ? { resumed: true } : {};
    if (statement.nonTransactional) {
      const guard = parseConcurrentIndex(statement.sql);
      steps.push({ transaction: false, statements: guard ? [invalidIndexGuardStatement(guard), planned] : [planned], statementsDone: i + 1, ...resumed });
      steps.push({ transaction: false, statements: [updateProgress(tables, version, i + 1, last)], statementsDone: i + 1 });
    } else {
      steps.push(
        transactionStep(
          (opener) => updateProgress(tables, version, i + 1, last, opener),
          [planned],
          { timeouts: settings.timeouts, ...(options.foldTransactions === undefined ? {} : { fold: options.foldTransactions }) },
          { version, name: migration.name, type: 'sql', checksum: migration.checksum, statementsApplied: i + 1 },
          { statementsDone: i + 1, ...resumed },
        ),
      );
    }
  }
  if (resumeAfter >= total) {
    // Every statement ran but the row was not marked finished: finish it.
    steps.push({ transaction: false, statements: [updateProgress(tables, version, total, true)], statementsDone: total });
  }
  return steps;
}

/**
 * A data migration (`data/data-migration.ts`): its row (type `data`, in progress) unless resuming,
 * the module's `up`, then the row marked applied.
 */
function dataSteps(migration: BundledMigration, status: MigrationStatus, options: UpPlanOptions): PlannedStep[] {
  const data = dataMigrationOf(migration)!;
  const { resuming, version } = resumePoint(migration, status);
  const steps: PlannedStep[] = [];
  if (!resuming) {
    steps.push({
      transaction: false,
      statements: [insertStarted(options.tables, { version, name: migration.name, type: 'data', checksum: migration.checksum, appliedBy: options.appliedBy })],
    });
  }
  steps.push({ transaction: false, statements: [], data: { module: data.module, direction: 'up' }, ...(resuming ? { resumed: true } : {}) });
  steps.push({ transaction: false, statements: [updateProgress(options.tables, version, 0, true)] });
  return steps;
}

/**
 * Plans migrate: every pending migration up to the target in version order, plus an unfinished one to
 * resume (a failed non-transactional migration, a data migration in progress), each with its
 * directives applied; then, when the plan goes to the bundle's last version, the repeatable migrations
 * that are pending or outdated (`build-repeatables.ts`). The status must have passed `migrateProblems`.
 * @throws {Error} when `targetVersion` is not a version, is not in the bundle, or is below the current version
 *   (that is a rollback), or a directive's timeout is out of range
 */
export function buildUpPlan(status: Status, options: UpPlanOptions): MigrationPlan {
  const target = options.targetVersion === undefined ? undefined : checkVersion(options.targetVersion, 'targetVersion');
  const bundled = status.migrations.filter((s) => s.migration);
  if (target !== undefined) {
    if (!bundled.some((s) => compareVersions(s.version, target) === 0)) {
      throw new Error(`targetVersion ${target} is not a migration of the bundle`);
    }
    if (status.current !== null && compareVersions(target, status.current) < 0) {
      throw new Error(`targetVersion ${target} is below the current version ${status.current}: use rollback to go down`);
    }
  }
  const toRun = status.migrations.filter(
    (s) => (s.state === 'pending' || isResumable(s)) && (target === undefined || compareVersions(s.version, target) <= 0),
  );
  const migrations: PlannedMigration[] = toRun.map((s) => {
    const migration = s.migration!;
    const settings = runSettings(migration, options);
    const { resumeAfter, resuming } = resumePoint(migration, s);
    const data = dataMigrationOf(migration) !== undefined;
    const transactional = !data && runsInOneTransaction(migration);
    return {
      kind: 'versioned',
      version: migration.version,
      name: migration.name,
      direction: 'up',
      migration,
      file: migration.up.file,
      transactional,
      resumeAfter,
      priorExecutionMs: resuming ? (s.row?.executionMs ?? 0) : 0,
      ...settings,
      steps: data
        ? dataSteps(migration, s, options)
        : transactional
          ? transactionalSteps(migration, settings, options)
          : nonTransactionalSteps(migration, s, settings, options),
    };
  });
  const last = migrations[migrations.length - 1];
  const lastBundled = bundled[bundled.length - 1];
  const toEnd = target === undefined || lastBundled === undefined || compareVersions(target, lastBundled.version) === 0;
  return {
    direction: 'up',
    current: status.current,
    target: last ? last.version : status.current,
    migrations,
    repeatables: toEnd ? buildRepeatablesPlan(status.repeatables, options) : [],
  };
}
