import type { Executor } from '../../driver/driver';
import type { MigrationBundle } from '../../migrations/bundle';
import { checkAppliedBy } from '../options';
import { readDownPlan, type ReadDownPlanOptions } from '../plan/read-down-plan';
import { readUpPlan, type ReadUpPlanOptions } from '../plan/read-up-plan';
import type { MigrationPlan } from '../plan/types';

/**
 * Plan: the dry run of migrate. Returns the exact statements migrate would run with these options, in
 * order, with their transactions, timeouts and schema history writes (migrate executes this same plan).
 * Reads only: it creates nothing and takes no lock, so a migrate starting later may find another state.
 * @throws {HistoryValidationError} when migrate would refuse to start
 */
export async function plan(db: Executor, bundle: MigrationBundle, options: ReadUpPlanOptions): Promise<MigrationPlan> {
  checkAppliedBy(options.appliedBy);
  return (await readUpPlan(db, bundle, options)).plan;
}

/**
 * The dry run of rollback: the exact statements rollback to `targetVersion` would run.
 * Reads only, like {@link plan}.
 * @throws {HistoryValidationError} when rollback would refuse to start
 */
export async function planRollback(db: Executor, bundle: MigrationBundle, options: ReadDownPlanOptions): Promise<MigrationPlan> {
  checkAppliedBy(options.appliedBy);
  return (await readDownPlan(db, bundle, options)).plan;
}
