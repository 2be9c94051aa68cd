import { plan, planRollback } from '../engine/commands/plan';
import type { PlannedMigration, PlannedRepeatable, PlannedStep } from '../engine/plan/types';
import type { TimeBudget } from '../engine/run/time-budget';
import type { ActionContext } from './action-context';
import { withInvocationSnapshotBudget } from './migrate-action';
import { planSnapshotBeforeMigrate, type PlannedSnapshot } from './snapshot-action';

/** A planned migration in the report: the plan without the bundled scripts it was built from. */
export type PlanActionMigration = Omit<PlannedMigration, 'migration'>;
/** A planned repeatable migration in the report, without its bundled script. */
export type PlanActionRepeatable = Omit<PlannedRepeatable, 'repeatable'>;

export interface PlanActionReport {
  readonly action: 'plan';
  readonly database: string;
  /** `up`: the dry run of migrate; `down`: the dry run of rollback to `target`. */
  readonly direction: 'up' | 'down';
  /** Highest applied version now (null when none). */
  readonly current: string | null;
  /** The version migrate would end at; `current` when nothing is pending. */
  readonly target: string | null;
  /**
   * Each versioned migration migrate would run, in order, with its steps: every statement exactly as
   * it would be sent (`sql`), grouped into transactions (`transaction: true`: BEGIN ... COMMIT) and
   * single calls, with the timeouts, guards and schema history writes (`role`), the runtime
   * parameters shown by name (`runtimeParams`: `execution_ms`, `lease_token`). Consecutive migrations
   * folded into one DO block each (`folded`) are sent together, one call made of their blocks' bodies
   * (`folded.body`), each committed on its own (`engine/plan/fold-batch.ts`).
   */
  readonly migrations: PlanActionMigration[];
  /** Repeatable migrations migrate would (re-)apply after the versioned ones (none for rollback). */
  readonly repeatables: PlanActionRepeatable[];
  /** Statements in all (a folded step's DO block counts once, as it is sent). */
  readonly statements: number;
  /**
   * Up, with migrations to run: the snapshot migrate would take before the first one, without taking it
   * (`planSnapshotBeforeMigrate`): none and why, one reused, or its scope, the catalog's estimate of its
   * size and time, and the budget refusal migrate would meet. Absent for down, with nothing to run, or
   * without a snapshot bucket (the CLI's `plan`).
   */
  readonly snapshot?: PlannedSnapshot;
}

const countStatements = (steps: readonly PlannedStep[]): number => steps.reduce((sum, step) => sum + step.statements.length, 0);

/**
 * The dry run of migrate (the engine's `plan`): the exact statements `{"action":"migrate"}` would run
 * now, up to `targetVersion` (default: the bundle's last), with their transactions, timeouts and
 * schema history writes; migrate executes this same plan. Reads the schema history only: takes no
 * lock, takes no snapshot, creates nothing, so a migrate starting later may find another state. It says
 * what the snapshot before the first migration would be (`snapshot`): with a `timeBudget` (the function's
 * invocation), its time limit is at most that invocation's, as migrate's is.
 *
 * With `direction: 'down'`, the dry run of rollback instead (the engine's `planRollback`): the down
 * scripts `{"action":"rollback"}` would run to end at `targetVersion`, highest first, with their undo
 * rows; refused as rollback would refuse (a migration without a down script, changed, missing).
 *
 * @param options.targetVersion up: last version to apply (inclusive), default the bundle's last; down
 *   (required): the version to end at, `0` for everything. Digits with optional dots
 * @param options.direction `up` (default) or `down`
 * @throws {HistoryValidationError} when migrate (or rollback) would refuse to start (a changed checksum,
 *   a failed row, an applied version missing from the bundle, out of order; for down, a migration that
 *   cannot be reverted)
 * @throws {Error} naming `targetVersion` when it is missing for down, not a version of the bundle, or on
 *   the wrong side of the current version
 */
export async function runPlan(
  ctx: ActionContext,
  options: { readonly targetVersion?: string; readonly direction?: 'up' | 'down'; readonly timeBudget?: TimeBudget } = {},
): Promise<PlanActionReport> {
  const direction = options.direction ?? 'up';
  if (direction === 'down' && options.targetVersion === undefined) {
    throw new Error('targetVersion is required to plan a rollback: the version it would end at (0 reverts everything); nothing was read');
  }
  const planned =
    direction === 'down'
      ? await planRollback(ctx.driver, ctx.bundle, { appliedBy: ctx.appliedBy, targetVersion: options.targetVersion! })
      : await plan(ctx.driver, ctx.bundle, {
          appliedBy: ctx.appliedBy,
          ...(options.targetVersion !== undefined ? { targetVersion: options.targetVersion } : {}),
        });
  const migrations = planned.migrations.map(({ migration: _bundled, ...rest }) => rest);
  const repeatables = planned.repeatables.map(({ repeatable: _bundled, ...rest }) => rest);
  const statements = [...migrations, ...repeatables].reduce((sum, m) => sum + countStatements(m.steps), 0);
  ctx.log.info('planned', { current: planned.current, target: planned.target, migrations: migrations.length, repeatables: repeatables.length, statements });
  const snapshot =
    direction === 'up' && planned.migrations.length > 0 && ctx.snapshots
      ? await planSnapshotBeforeMigrate(withInvocationSnapshotBudget(ctx, options.timeBudget), planned.migrations.map((m) => m.migration))
      : undefined;
  return {
    action: 'plan',
    database: ctx.driver.database,
    direction,
    current: planned.current,
    target: planned.target,
    migrations,
    repeatables,
    statements,
    ...(snapshot ? { snapshot } : {}),
  };
}
