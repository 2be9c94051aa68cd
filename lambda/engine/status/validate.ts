import type { HistoryProblem } from '../errors';
import { compareVersions } from '../../migrations/compare-versions';
import { dataMigrationOf } from '../data/data-migration';
import { isApplied, type MigrationStatus, type Status } from './compute';

function label(s: MigrationStatus): string {
  return s.file ?? `${s.version} (${s.name})`;
}

/** A changed up file: the history's checksum against the bundle's. */
export function changedProblem(s: MigrationStatus): HistoryProblem {
  return {
    kind: 'changed',
    version: s.version,
    ...(s.file ? { file: s.file } : {}),
    ...(s.expectedChecksum ? { expected: s.expectedChecksum } : {}),
    ...(s.foundChecksum ? { found: s.foundChecksum } : {}),
    message:
      `${label(s)} was changed after it was applied: expected checksum ${s.expectedChecksum} (schema history), ` +
      `found ${s.foundChecksum} (bundle). Restore the file, or run repair to accept the change.`,
  };
}

/**
 * True when migrate may resume an unfinished version: a failed non-transactional migration (its
 * history row counts the statements already run) or a data migration in progress (its batches are
 * checkpointed), still in the bundle with the checksum it started with.
 */
export function isResumable(s: MigrationStatus): boolean {
  if (s.migration === undefined || s.expectedChecksum !== undefined) return false;
  return s.state === 'in-progress' || (s.state === 'failed' && !s.migration.transactional);
}

/** A failed row migrate cannot resume (the file changed, or it left the bundle). */
export function failedProblem(s: MigrationStatus): HistoryProblem {
  const why =
    s.migration === undefined
      ? 'it is no longer in the bundle'
      : s.expectedChecksum !== undefined
        ? `its file changed since (expected checksum ${s.expectedChecksum}, found ${s.foundChecksum})`
        : isResumable(s)
          ? 'migrate resumes it: run migrate to finish it first'
          : 'it is not resumable';
  const what = s.state === 'in-progress' ? 'is a data migration left in progress' : `failed earlier after ${s.row?.statementsApplied ?? 0} statement(s)`;
  return {
    kind: 'failed',
    version: s.version,
    ...(s.file ? { file: s.file } : {}),
    message: `${label(s)} ${what} and ${why}. Check what it left in the database, then run repair to clear the unfinished row.`,
  };
}

/**
 * What stops migrate (and plan) from starting, all at once so the operator fixes them in one go:
 * - an applied migration whose up file changed (`changed`);
 * - a failed row that cannot be resumed (see {@link isResumable});
 * - an applied version missing from the bundle, unless `allowMissing` (a bundle older than the database);
 * - a pending version lower than the current one (`out-of-order`): it would run after later migrations.
 */
export function migrateProblems(status: Status, options: { readonly allowMissing?: boolean } = {}): HistoryProblem[] {
  const problems: HistoryProblem[] = [];
  for (const s of status.migrations) {
    if (s.state === 'changed') problems.push(changedProblem(s));
    else if ((s.state === 'failed' || s.state === 'in-progress') && !isResumable(s)) problems.push(failedProblem(s));
    else if (s.state === 'missing' && !options.allowMissing) {
      problems.push({
        kind: 'missing',
        version: s.version,
        message:
          `${s.version} (${s.name}) is applied but not in the bundle: the bundle is older than the database. ` +
          'Deploy a bundle that contains it, or pass allowMissing to migrate anyway.',
      });
    } else if (s.state === 'pending' && s.outOfOrder) {
      problems.push({
        kind: 'out-of-order',
        version: s.version,
        ...(s.file ? { file: s.file } : {}),
        message:
          `${label(s)} is pending but ${status.current} is already applied: it would run after later migrations. ` +
          'Renumber it above the current version, or baseline it if the database already has its change.',
      });
    }
  }
  return problems;
}

/** Applied versions above `targetVersion`, highest first: what rollback to `targetVersion` reverts. */
export function appliedAbove(status: Status, targetVersion: string): MigrationStatus[] {
  return status.migrations
    .filter((s) => isApplied(s) && compareVersions(s.version, targetVersion) > 0)
    .reverse();
}

/**
 * What stops rollback to `targetVersion` from starting, checked before anything runs:
 * - any failed row or data migration in progress (the database is between versions: run migrate to
 *   finish it first);
 * - a version to revert that is missing from the bundle, changed since applied (its down script may
 *   not match what is in the database), or has no down script.
 */
export function rollbackProblems(status: Status, targetVersion: string): HistoryProblem[] {
  const problems: HistoryProblem[] = [...status.failed, ...status.inProgress].map(failedProblem);
  for (const s of appliedAbove(status, targetVersion)) {
    if (s.state === 'missing') {
      problems.push({
        kind: 'not-in-bundle',
        version: s.version,
        message: `${s.version} (${s.name}) is applied but not in the bundle, so it has no down script to revert it with.`,
      });
    } else if (s.state === 'changed') {
      problems.push(changedProblem(s));
    } else if (s.migration && dataMigrationOf(s.migration) && !dataMigrationOf(s.migration)!.down) {
      // A data migration is reverted by its module's down(ctx), never by a down.sql.
      const file = s.file ?? `${s.version}_${s.name}/up.ts`;
      problems.push({
        kind: 'no-down',
        version: s.version,
        file,
        message: `${s.version} (${s.name}) is a data migration whose module (${file}) exports no down(ctx): it cannot be reverted; restore the snapshot instead.`,
      });
    } else if (!s.migration?.down && !(s.migration && dataMigrationOf(s.migration)?.down)) {
      const folder = s.file?.replace(/\/up\.sql$/, '') ?? `${s.version}_${s.name}`;
      problems.push({
        kind: 'no-down',
        version: s.version,
        file: `${folder}/down.sql`,
        message: `${s.version} (${s.name}) has no down script (${folder}/down.sql): it cannot be reverted; restore the snapshot instead.`,
      });
    }
  }
  return problems;
}
