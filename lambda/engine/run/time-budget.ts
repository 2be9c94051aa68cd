/**
 * A run's time budget. A Lambda function is stopped at its timeout wherever it is; with a budget the
 * engine stops first, cleanly: before starting a migration, between a data migration's batches, and
 * it bounds its waits for long statements, once less than `reserveMs` is left. What it left is
 * recorded (a data migration's row reads in progress, its batches checkpointed) and reported, so the
 * next invocation continues where it stopped.
 */

export interface TimeBudget {
  /** Time left, ms: in a Lambda function, `context.getRemainingTimeInMillis()`. */
  readonly remainingTimeMs: () => number;
  /**
   * Time kept back for what follows the engine's work (releasing the lock, the report, verification),
   * ms. @default 10000
   */
  readonly reserveMs?: number;
}

export const DEFAULT_RESERVE_MS = 10_000;

/**
 * The time the run may still spend, ms (remaining less the reserve, at least 0), or undefined
 * without a budget.
 * @throws {Error} when `reserveMs` is not a whole number of ms >= 0
 */
export function spendableMs(budget: TimeBudget | undefined): number | undefined {
  if (!budget) return undefined;
  const reserve = budget.reserveMs ?? DEFAULT_RESERVE_MS;
  if (!Number.isInteger(reserve) || reserve < 0) throw new Error(`timeBudget.reserveMs must be a whole number of ms >= 0, got ${reserve}`);
  return Math.max(0, budget.remainingTimeMs() - reserve);
}

/** Where and why a run stopped before finishing its plan. */
export interface StoppedRun {
  readonly reason: 'time-budget';
  /** The migration that was next, or in progress ('' with `name` for a repeatable migration). */
  readonly version: string;
  readonly name: string;
  /** True when that migration has started (a data migration with checkpointed batches). */
  readonly inProgress: boolean;
}
