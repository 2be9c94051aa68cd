/**
 * Runs a data migration's step (`plan/types.ts`, `PlannedStep.data`): loads its module through the
 * run's loader and calls its `up` or `down` with a {@link DataMigrationContext}.
 */
import type { Driver } from '../../driver/driver';
import type { MigrationPlan, PlannedMigration, PlannedStep } from '../plan/types';
import type { ExecutePlanOptions } from '../run/execute-plan';
import { spendableMs } from '../run/time-budget';
import { backfillBatch, checkBackfillSpec, estimateTableRows, keyTypeOf } from './backfill';
import { runBatches, type BatchDeps, type LoopProgress } from './batches';
import {
  dataMigrationOf,
  type DataMigration,
  type DataMigrationContext,
  type DataMigrationLoader,
  type DataMigrationProgressListener,
} from './data-migration';

export { DataMigrationStopped } from './batches';

function checkModule(module: unknown, where: string, direction: 'up' | 'down'): DataMigration {
  const m = module as Partial<DataMigration> | null;
  if (!m || typeof m.up !== 'function') throw new Error(`${where}: the module exports no up(ctx) function`);
  if (direction === 'down' && typeof m.down !== 'function') throw new Error(`${where}: the module exports no down(ctx) function`);
  return m as DataMigration;
}

/** How errors name a data migration: `data migration 2 (backfill, module data/2_backfill.mjs)`. */
function describe(unit: PlannedMigration): string {
  return `data migration ${unit.version} (${unit.name}, module ${dataMigrationOf(unit.migration)!.module})`;
}

/**
 * Checks, before a run changes anything (no lock wait, snapshot or statement yet), that it can run
 * every data migration of its plan: it was given a loader, and each module loads and exports the
 * function the plan calls (`up`, or `down` for a rollback). So a bundle whose modules are missing
 * fails at once, not halfway through its migrations.
 * @throws {Error} naming the migration and module, like {@link runDataStep}
 */
export async function checkDataMigrations(plan: MigrationPlan, loader: DataMigrationLoader | undefined): Promise<void> {
  for (const unit of plan.migrations) {
    const ref = dataMigrationOf(unit.migration);
    if (!ref) continue;
    const where = describe(unit);
    if (!loader) throw new Error(`${where}: the run was given no loadDataMigration to load its module with; nothing was run`);
    checkModule(await loader(ref, unit.migration), where, unit.direction);
  }
}

/** The `onBatch` of a step's batch loops: each loop's progress with the migration's version, name and direction. */
function progressReporter(unit: PlannedMigration, direction: 'up' | 'down', listener: DataMigrationProgressListener): (loop: LoopProgress) => void {
  return ({ name: loop, ...counts }) => listener({ version: unit.version, name: unit.name, direction, loop, ...counts });
}

/** A batch loop's `estimatedRows` option, checked. */
function checkedEstimate(estimate: unknown, where: string, loop: string): number | undefined {
  if (estimate === undefined) return undefined;
  if (typeof estimate !== 'number' || !Number.isSafeInteger(estimate) || estimate < 0) {
    throw new Error(`${where}: batch loop ${JSON.stringify(loop)}: estimatedRows must be a whole number of rows >= 0, got ${JSON.stringify(estimate)}`);
  }
  return estimate;
}

/**
 * Runs the step's `up(ctx)` or `down(ctx)`, reporting each batch to `options.onDataProgress`.
 * @throws {DataMigrationStopped} when the time budget ended it between batches (not a failure)
 * @throws {Error} naming the migration and module when no loader is configured or the module lacks the function
 * @throws whatever the module throws
 */
export async function runDataStep(driver: Driver, unit: PlannedMigration, step: PlannedStep, options: ExecutePlanOptions): Promise<void> {
  const ref = dataMigrationOf(unit.migration)!;
  const direction = step.data!.direction;
  const where = describe(unit);
  if (!options.loadDataMigration) throw new Error(`${where}: the run was given no loadDataMigration to load its module with`);
  const module = checkModule(await options.loadDataMigration(ref, unit.migration), where, direction);
  const log = options.log;
  const budget = () => spendableMs(options.timeBudget);
  const deps: BatchDeps = {
    driver,
    tables: options.tables,
    lease: options.lease,
    log,
    timeouts: unit.timeouts,
    retry: unit.retries === undefined ? (options.retry ?? {}) : { ...options.retry, retries: unit.retries },
    ...(options.transientRetry ? { transientRetry: options.transientRetry } : {}),
    spendableMs: budget,
    counter: { batches: 0 },
    ...(options.onDataProgress ? { onBatch: progressReporter(unit, direction, options.onDataProgress) } : {}),
  };
  const key = (name: string) => {
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
      throw new Error(`${where}: a batch loop needs a name of 1 to 200 characters, got ${JSON.stringify(name)}`);
    }
    return { version: unit.version, direction, name };
  };
  const ctx: DataMigrationContext = {
    db: driver,
    log,
    version: unit.version,
    name: unit.name,
    direction,
    remainingTimeMs: () => budget() ?? Number.POSITIVE_INFINITY,
    batches: (name, batch, loopOptions) => runBatches(deps, key(name), batch, checkedEstimate(loopOptions?.estimatedRows, where, name)),
    async backfill(spec) {
      checkBackfillSpec(spec, where);
      const keyType = await keyTypeOf(driver, spec, where);
      // The table's row estimate only when someone follows the progress: one catalog query.
      const estimate = spec.estimatedRows ?? (options.onDataProgress ? await estimateTableRows(driver, spec.table) : undefined);
      return runBatches(deps, key(spec.name ?? spec.table), backfillBatch(spec, keyType), estimate);
    },
  };
  log.info(direction === 'up' ? 'running data migration' : 'reverting data migration', { version: unit.version, module: ref.module });
  await (direction === 'up' ? module.up(ctx) : module.down!(ctx));
}
