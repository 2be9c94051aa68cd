import type { BundledMigration } from '../../migrations/bundle';
import { insertFinished, insertStarted, updateProgress } from '../history/writes';
import type { HistoryTables } from '../history/tables';
import { invalidIndexGuardStatement, parseConcurrentIndex } from '../run/concurrent-index';
import { timeoutSettings, type TimeoutOptions } from '../run/timeouts';
import type { MigrationStatus, Status } from '../status/compute';
import { isResumable } from '../status/validate';
import { compareVersions } from '../../migrations/compare-versions';
import { checkVersion } from '../options';
import { migrationStatement } from './migration-statement';
import type { MigrationPlan, PlannedMigration, PlannedStep } from './types';

export interface UpPlanOptions extends TimeoutOptions {
  readonly tables: HistoryTables;
  /** Recorded as applied_by. */
  readonly appliedBy: string;
  /** Last version to apply (inclusive). @default the bundle's last */
  readonly targetVersion?: string;
}

/**
 * A transactional migration: one transaction with the timeouts, every up statement and the schema
 * history row, so a failure leaves neither the change nor the row.
 */
function transactionalSteps(migration: BundledMigration, options: UpPlanOptions): PlannedStep[] {
  const up = migration.up;
  return [
    {
      transaction: true,
      statements: [
        ...timeoutSettings(options),
        ...up.statements.map((statement, i) => migrationStatement(up, statement, i)),
        insertFinished(options.tables, {
          version: migration.version,
          name: migration.name,
          type: 'sql',
          checksum: migration.checksum,
          appliedBy: options.appliedBy,
          statements: up.statements.length,
        }),
      ],
    },
  ];
}

/**
 * A non-transactional migration, statement by statement, recording progress so a failed run resumes
 * at the failed statement:
 * 1. a schema history row with success false (unless resuming: it exists);
 * 2. each statement from `resumeAfter` on: a statement that must run outside a transaction runs alone
 *    (after the INVALID index guard for CREATE INDEX CONCURRENTLY), then the progress update; any other
 *    statement runs in a transaction together with its progress update;
 * 3. the last progress update also marks the row succeeded.
 */
function nonTransactionalSteps(migration: BundledMigration, status: MigrationStatus, options: UpPlanOptions): PlannedStep[] {
  const { tables } = options;
  const up = migration.up;
  const resumeAfter = status.state === 'failed' ? (status.row?.statementsApplied ?? 0) : 0;
  // A resumed migration updates the row it started, spelled as it was recorded.
  const version = status.state === 'failed' ? status.row!.version : migration.version;
  const total = up.statements.length;
  const steps: PlannedStep[] = [];
  if (status.state !== 'failed') {
    steps.push({
      transaction: false,
      statements: [insertStarted(tables, { version, name: migration.name, checksum: migration.checksum, appliedBy: options.appliedBy })],
      statementsDone: 0,
    });
  }
  for (let i = resumeAfter; i < total; i++) {
    const statement = up.statements[i]!;
    const planned = migrationStatement(up, statement, i);
    const progress = updateProgress(tables, version, i + 1, i === total - 1);
    if (statement.nonTransactional) {
      const guard = parseConcurrentIndex(statement.sql);
      steps.push({ transaction: false, statements: guard ? [invalidIndexGuardStatement(guard), planned] : [planned], statementsDone: i + 1 });
      steps.push({ transaction: false, statements: [progress], statementsDone: i + 1 });
    } else {
      steps.push({ transaction: true, statements: [...timeoutSettings(options), planned, progress], statementsDone: i + 1 });
    }
  }
  if (resumeAfter >= total) {
    // Every statement ran but the row was not marked finished: finish it.
    steps.push({ transaction: false, statements: [updateProgress(tables, version, total, true)], statementsDone: total });
  }
  return steps;
}

/**
 * Plans migrate: every pending migration up to the target in version order, plus a failed
 * non-transactional one to resume. The status must have passed `migrateProblems`.
 * @throws {Error} when `targetVersion` is not a version, is not in the bundle, or is below the current version
 *   (that is a rollback)
 */
export function buildUpPlan(status: Status, options: UpPlanOptions): MigrationPlan {
  const target = options.targetVersion === undefined ? undefined : checkVersion(options.targetVersion, 'targetVersion');
  if (target !== undefined) {
    if (!status.migrations.some((s) => s.migration && compareVersions(s.version, target) === 0)) {
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
    const resumeAfter = s.state === 'failed' ? (s.row?.statementsApplied ?? 0) : 0;
    return {
      version: migration.version,
      name: migration.name,
      direction: 'up',
      migration,
      file: migration.up.file,
      transactional: migration.transactional,
      resumeAfter,
      priorExecutionMs: s.state === 'failed' ? (s.row?.executionMs ?? 0) : 0,
      steps: migration.transactional ? transactionalSteps(migration, options) : nonTransactionalSteps(migration, s, options),
    };
  });
  const last = migrations[migrations.length - 1];
  return { direction: 'up', current: status.current, target: last ? last.version : status.current, migrations };
}
