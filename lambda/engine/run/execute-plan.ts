/**
 * Runs a plan (`plan/types.ts`) step by step: a transaction step in one transaction (rolled back as a
 * whole when a statement fails), an autocommit step statement by statement. A step that fails with
 * lock_not_available (55P03) is retried whole after a backoff (`retry.ts`). The first failure stops
 * the run with a MigrationError naming the migration, file, line and SQLSTATE, and what was left applied.
 */
import type { Driver, Executor, SqlParams } from '../../driver/driver';
import { DriverError } from '../../driver/errors';
import type { Log } from '../../observability/log';
import { LockLostError, MigrationError, type StatementSource } from '../errors';
import type { Lease } from '../lock/lease';
import type { RunOptions } from '../options';
import type { MigrationPlan, PlannedMigration, PlannedStatement, PlannedStep } from '../plan/types';
import { awaitConcurrentIndexBuild, runInvalidIndexGuard, type IndexBuildWaitOptions } from './concurrent-index';
import { RetriesExhausted, withLockRetry, type RetryOptions } from './retry';

export interface ExecutePlanOptions {
  readonly lease: Lease;
  readonly log: Log;
  readonly retry?: RetryOptions;
  /** How to wait for a CREATE INDEX CONCURRENTLY that outlived its Data API call. */
  readonly indexBuildWait?: IndexBuildWaitOptions;
}

/** The executor's options from a command's options. */
export function executeOptions(options: RunOptions, lease: Lease, log: Log): ExecutePlanOptions {
  return {
    lease,
    log,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.indexBuildWait ? { indexBuildWait: options.indexBuildWait } : {}),
  };
}

/** What one migration of the plan did. */
export interface MigrationOutcome {
  readonly version: string;
  readonly name: string;
  /** Wall time of this run of the migration, ms (a resumed one's schema history row adds earlier runs' time). */
  readonly executionMs: number;
  /** Script statements run by this run. */
  readonly statements: number;
}

interface RunState {
  /** The statement being run, for the error. */
  current: PlannedStatement | undefined;
  /** Runtime parameter values. */
  runtime: () => SqlParams;
  readonly indexBuildWait?: IndexBuildWaitOptions;
}

/** True when a statement's call ended at the Data API's wait while the statement goes on. */
const outlivedItsCall = (error: unknown): boolean => error instanceof DriverError && error.kind === 'statement-timeout';

async function runStatement(db: Executor, statement: PlannedStatement, state: RunState, owner: string): Promise<void> {
  state.current = statement;
  if (statement.role === 'guard') {
    await runInvalidIndexGuard(db, statement);
    return;
  }
  const runtime = state.runtime();
  const params: Record<string, SqlParams[string]> = { ...statement.params };
  for (const name of statement.runtimeParams ?? []) params[name] = runtime[name]!;
  const result = await db.execute(statement.sql, params, statement.continueAfterTimeout ? { continueAfterTimeout: true } : undefined);
  if (statement.expectRowsAffected !== undefined && result.rowsAffected !== statement.expectRowsAffected) {
    throw new LockLostError(owner);
  }
}

async function runStep(driver: Driver, step: PlannedStep, state: RunState, owner: string): Promise<void> {
  if (!step.transaction) {
    let guard: PlannedStatement | undefined;
    for (const statement of step.statements) {
      try {
        await runStatement(driver, statement, state, owner);
      } catch (error) {
        // A CREATE INDEX CONCURRENTLY sent with continueAfterTimeout goes on after its call ends.
        if (!(guard?.guard && statement.continueAfterTimeout && outlivedItsCall(error))) throw error;
        await awaitConcurrentIndexBuild(driver, guard.guard, statement.sql, state.indexBuildWait);
      }
      if (statement.role === 'guard') guard = statement;
    }
    return;
  }
  const tx = await driver.beginTransaction();
  try {
    for (const statement of step.statements) await runStatement(tx, statement, state, owner);
  } catch (error) {
    await tx.rollback().catch(() => undefined);
    throw error;
  }
  await tx.commit();
}

function sourceOf(statement: PlannedStatement | undefined, migration: PlannedMigration, historyTable: string): StatementSource {
  if (statement?.source) return statement.source;
  if (statement?.role === 'history') return { file: `schema history ${historyTable}`, line: 0, statement: 0 };
  if (statement?.role === 'guard') return { file: `invalid index check before ${migration.file}`, line: 0, statement: 0 };
  return { file: migration.file, line: 0, statement: 0 };
}

const countMigrationStatements = (step: PlannedStep): number => step.statements.filter((s) => s.role === 'migration').length;

/**
 * Executes `plan` in order.
 * @param historyTable the schema history's qualified name, for errors about its writes
 * @returns one outcome per migration, in plan order
 * @throws {MigrationError} on the first failure (its `cause` is the DatabaseError, DriverError or
 *   LockLostError); migrations before it stay applied
 */
export async function executePlan(driver: Driver, plan: MigrationPlan, historyTable: string, options: ExecutePlanOptions): Promise<MigrationOutcome[]> {
  const { lease, log } = options;
  const outcomes: MigrationOutcome[] = [];
  for (const migration of plan.migrations) {
    const started = Date.now();
    const state: RunState = {
      current: undefined,
      runtime: () => ({ execution_ms: migration.priorExecutionMs + (Date.now() - started), lease_token: lease.token }),
      ...(options.indexBuildWait ? { indexBuildWait: options.indexBuildWait } : {}),
    };
    let statementsDone = migration.resumeAfter;
    let statements = 0;
    if (migration.resumeAfter > 0) log.info('resuming migration', { version: migration.version, after: migration.resumeAfter });
    for (const step of migration.steps) {
      state.current = undefined;
      try {
        lease.assertHeld();
        await withLockRetry(() => runStep(driver, step, state, lease.owner), options.retry ?? {}, ({ attempt, delayMs }) =>
          log.warn('lock timeout, retrying', { version: migration.version, file: migration.file, attempt, delayMs }),
        );
      } catch (caught) {
        const error = caught instanceof RetriesExhausted ? caught.error : caught;
        const attempts = caught instanceof RetriesExhausted ? caught.attempts : 1;
        throw new MigrationError({
          ...sourceOf(state.current, migration, historyTable),
          version: migration.version,
          name: migration.name,
          direction: migration.direction,
          completed: outcomes.map((o) => o.version),
          statementsLeftApplied: migration.transactional ? 0 : statementsDone,
          attempts,
          cause: error,
        });
      }
      if (step.statementsDone !== undefined) statementsDone = step.statementsDone;
      statements += countMigrationStatements(step);
    }
    const outcome = { version: migration.version, name: migration.name, executionMs: Date.now() - started, statements };
    log.info(migration.direction === 'up' ? 'migration applied' : 'migration reverted', { ...outcome });
    outcomes.push(outcome);
  }
  return outcomes;
}

/**
 * Runs one step outside a migration (baseline, repair: schema history writes only), with the lease
 * token as runtime parameter and `execution_ms` 0.
 * @throws {LockLostError} when a fenced write changed no row; the database error otherwise
 */
export async function executeStep(driver: Driver, step: PlannedStep, lease: Lease): Promise<void> {
  lease.assertHeld();
  const state: RunState = { current: undefined, runtime: () => ({ execution_ms: 0, lease_token: lease.token }) };
  await runStep(driver, step, state, lease.owner);
}
