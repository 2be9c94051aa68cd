/**
 * Runs a plan to the end across steps whose outcome turned out unknown (`outcome-unknown.ts`): the
 * step's transaction is settled, the schema history read again and the rest planned from what it
 * records, up to the retries of `transientRetry`.
 */
import type { Driver } from '../../driver/driver';
import { MigrationError } from '../errors';
import type { MigrationPlan, PlannedMigration, PlannedRepeatable } from '../plan/types';
import { executePlan, ReplanRequired, type ExecutePlanOptions, type MigrationOutcome, type RunProgress } from './execute-plan';
import { awaitOutsideTransaction } from './long-statement';
import { settleTransaction } from './outcome-unknown';
import { backoffTransient, describeError } from './transient';

/** A fresh plan read from the schema history, and what the history records for a migration that just ran. */
export interface Replanned {
  readonly plan: MigrationPlan;
  /**
   * The recorded execution time of `unit` when the schema history shows it completed (applied, or
   * reverted for down), undefined when it did not.
   */
  completedMs(unit: PlannedMigration | PlannedRepeatable): number | undefined;
}

/**
 * Executes `plan`, re-planning with `replan` after a step whose outcome is unknown.
 * @returns what the run did (a migration found completed after a re-planning counts as done by it)
 * @throws {MigrationError} as `executePlan`, and when the retries after unknown outcomes are used up
 * @throws whatever `replan` throws (a history that no longer allows the command, e.g. it changed)
 */
export async function executeWithReplanning(driver: Driver, plan: MigrationPlan, options: ExecutePlanOptions, replan: () => Promise<Replanned>): Promise<RunProgress> {
  const progress: RunProgress = { applied: [], repeatables: [] };
  let current = plan;
  for (let attempt = 1; ; attempt++) {
    try {
      await executePlan(driver, current, options, progress);
      return progress;
    } catch (error) {
      if (!(error instanceof ReplanRequired)) throw error;
      const { unit, outcome, source } = error;
      const retry = await backoffTransient('find out what a step did', attempt, outcome.error, options.transientRetry, options.log);
      if (!retry) {
        throw new MigrationError({
          ...source,
          version: unit.version,
          name: unit.name,
          direction: unit.direction,
          completed: progress.applied.map((o) => o.version),
          statementsLeftApplied: 0,
          attempts: attempt,
          leftApplied: `whether its last step took effect is unknown (${describeError(outcome.error)}); the next run reads the schema history and continues from what it records`,
          cause: outcome.error,
        });
      }
      if (outcome.session) await settleTransaction(driver, outcome.session, options.log, options.transientRetry ? { transientRetry: options.transientRetry } : {});
      if (outcome.running) {
        // The statement may still run on the server: what it does must be recorded before planning again.
        await awaitOutsideTransaction(
          {
            driver,
            log: options.log,
            label: `${unit.file} (its call failed: ${describeError(outcome.error)})`,
            ...(options.longStatements ? { options: options.longStatements } : {}),
            ...(options.transientRetry ? { transientRetry: options.transientRetry } : {}),
          },
          outcome.running,
        );
      }
      const next = await replan();
      let tookEffect = 0;
      for (const candidate of error.units) {
        const doneMs = next.completedMs(candidate);
        if (doneMs === undefined) continue;
        tookEffect += 1;
        const outcomeOf: MigrationOutcome = {
          version: candidate.version,
          name: candidate.name,
          executionMs: doneMs,
          statements: candidate.steps.reduce((n, step) => n + step.statements.filter((s) => s.role === 'migration').length, 0),
        };
        (candidate.kind === 'repeatable' ? progress.repeatables : progress.applied).push(outcomeOf);
      }
      options.log.info('re-planned from the schema history after an unknown outcome', {
        version: unit.version,
        name: unit.name,
        tookEffect: tookEffect > 0,
        ...(error.units.length > 1 ? { batched: error.units.length, applied: tookEffect } : {}),
        migrations: next.plan.migrations.length,
        repeatables: next.plan.repeatables.length,
      });
      current = next.plan;
    }
  }
}
