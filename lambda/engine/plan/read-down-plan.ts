import type { Executor } from '../../driver/driver';
import type { MigrationBundle } from '../../migrations/bundle';
import { HistoryValidationError } from '../errors';
import { readSchemaHistory } from '../history/read';
import { historyTables, type HistoryOptions } from '../history/tables';
import type { TimeoutOptions } from '../run/timeouts';
import type { TransientOptions } from '../run/transient';
import { computeStatus, type Status } from '../status/compute';
import { rollbackProblems } from '../status/validate';
import { buildDownPlan, checkRollbackTarget } from './build-down';
import type { MigrationPlan } from './types';

export interface ReadDownPlanOptions extends HistoryOptions, TimeoutOptions, TransientOptions {
  readonly appliedBy: string;
  /** Send a transaction step as one DO block call when it can be (`plan/fold.ts`). @default true */
  readonly foldTransactions?: boolean;
  /** The version to end at (stays applied); `0` reverts everything. */
  readonly targetVersion: string;
}

/**
 * Reads the schema history, checks that every migration to revert can be, and plans rollback: the path
 * shared by rollback and planRollback.
 * @throws {HistoryValidationError} listing every migration that cannot be reverted (no down script,
 *   not in the bundle, changed) or a failed row, before anything runs
 * @throws {Error} for a bad targetVersion
 */
export async function readDownPlan(db: Executor, bundle: MigrationBundle, options: ReadDownPlanOptions): Promise<{ status: Status; plan: MigrationPlan }> {
  const tables = historyTables(options.historySchema);
  const status = computeStatus(bundle, await readSchemaHistory(db, options));
  checkRollbackTarget(status, options.targetVersion);
  const problems = rollbackProblems(status, options.targetVersion);
  if (problems.length > 0) throw new HistoryValidationError('rollback', problems);
  return { status, plan: buildDownPlan(status, { ...options, tables }) };
}
