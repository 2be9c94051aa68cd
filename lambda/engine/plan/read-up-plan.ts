import type { Executor } from '../../driver/driver';
import type { MigrationBundle } from '../../migrations/bundle';
import { HistoryValidationError } from '../errors';
import { readSchemaHistory } from '../history/read';
import { historyTables, type HistoryOptions } from '../history/tables';
import { computeStatus, type Status } from '../status/compute';
import { migrateProblems } from '../status/validate';
import type { TimeoutOptions } from '../run/timeouts';
import type { TransientOptions } from '../run/transient';
import { buildUpPlan } from './build-up';
import type { MigrationPlan } from './types';

export interface ReadUpPlanOptions extends HistoryOptions, TimeoutOptions, TransientOptions {
  readonly appliedBy: string;
  /** Send a transaction step as one DO block call when it can be (`plan/fold.ts`). @default true */
  readonly foldTransactions?: boolean;
  readonly targetVersion?: string;
  /** Migrate although applied versions are missing from the bundle. @default false */
  readonly allowMissing?: boolean;
}

/**
 * Reads the schema history, checks it against the bundle and plans migrate: the one path shared by
 * migrate and the plan command.
 * @throws {HistoryValidationError} listing every problem (changed checksum, failed row, missing,
 *   out-of-order) when migrate may not start
 * @throws {Error} for a bad targetVersion
 */
export async function readUpPlan(db: Executor, bundle: MigrationBundle, options: ReadUpPlanOptions): Promise<{ status: Status; plan: MigrationPlan }> {
  const tables = historyTables(options.historySchema);
  const status = computeStatus(bundle, await readSchemaHistory(db, options));
  const problems = migrateProblems(status, options);
  if (problems.length > 0) throw new HistoryValidationError('migrate', problems);
  return { status, plan: buildUpPlan(status, { ...options, tables }) };
}
