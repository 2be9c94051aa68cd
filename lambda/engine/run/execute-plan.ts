/**
 * Runs a plan (`plan/types.ts`): its versioned migrations, then its repeatable ones, step by step
 * (`run-step.ts`). A step that fails with lock_not_available (55P03) is retried whole after a backoff
 * (`retry.ts`), as often as the migration's `retries` directive or the run's `retry.retries` say.
 * The first failure stops the run with a MigrationError naming the migration, file, line and
 * SQLSTATE, and what was left applied; a step whose outcome is unknown stops it with
 * {@link ReplanRequired}, for the command to read the schema history again (`replan.ts`).
 *
 * Calls: a transaction step is usually folded into one DO block call (`plan/fold.ts`), so a
 * transactional migration costs one Data API call. When steps stay transactions, while one runs the
 * transaction of the next step is begun ahead
 * (BeginTransaction only: PostgreSQL takes no snapshot and no lock before the transaction's first
 * statement, so it sees everything committed before it and makes CREATE INDEX CONCURRENTLY wait for
 * nothing), which takes a call off the critical path of every migration.
 */
import type { Driver, SqlParams, Transaction } from '../../driver/driver';
import type { Log } from '../../observability/log';
import { dataMigrationOf, type DataMigrationLoader } from '../data/data-migration';
import { DataMigrationStopped, runDataStep } from '../data/run-data-migration';
import { MigrationError, type StatementSource } from '../errors';
import type { HistoryTables } from '../history/tables';
import type { Lease } from '../lock/lease';
import type { RunOptions } from '../options';
import type { MigrationPlan, PlannedMigration, PlannedRepeatable, PlannedStatement, PlannedStep } from '../plan/types';
import type { LongStatementOptions } from './long-statement';
import { OutcomeUnknownError, settleTransaction } from './outcome-unknown';
import { RetriesExhausted, withLockRetry, type RetryOptions } from './retry';
import { runStep, type StepContext } from './run-step';
import { spendableMs, type StoppedRun, type TimeBudget } from './time-budget';
import { backoffTransient, type TransientRetryOptions } from './transient';

export interface ExecutePlanOptions {
  readonly lease: Lease;
  readonly log: Log;
  readonly tables: HistoryTables;
  readonly retry?: RetryOptions;
  readonly transientRetry?: TransientRetryOptions;
  readonly longStatements?: LongStatementOptions;
  readonly timeBudget?: TimeBudget;
  readonly loadDataMigration?: DataMigrationLoader;
}

/** The executor's options from a command's options. */
export function executeOptions(options: RunOptions, lease: Lease, log: Log, tables: HistoryTables): ExecutePlanOptions {
  return {
    lease,
    log,
    tables,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.transientRetry ? { transientRetry: options.transientRetry } : {}),
    ...(options.longStatements ? { longStatements: options.longStatements } : {}),
    ...(options.timeBudget ? { timeBudget: options.timeBudget } : {}),
    ...(options.loadDataMigration ? { loadDataMigration: options.loadDataMigration } : {}),
  };
}

/** What one migration of the plan did. */
export interface MigrationOutcome {
  /** The version ('' for a repeatable migration). */
  readonly version: string;
  readonly name: string;
  /** Wall time of this run of the migration, ms (a resumed one's schema history row adds earlier runs' time). */
  readonly executionMs: number;
  /** Script statements run by this run. */
  readonly statements: number;
}

/** What a run did so far; the executor fills it in as it goes, so it survives a re-planning. */
export interface RunProgress {
  /** Versioned migrations applied (or reverted), in order. */
  readonly applied: MigrationOutcome[];
  /** Repeatable migrations applied, in order. */
  readonly repeatables: MigrationOutcome[];
  /** Set when the run stopped before the end of its plan (time budget). */
  stopped?: StoppedRun;
}

/** A step's outcome is unknown: the command reads the schema history again and plans from it. */
export class ReplanRequired extends Error {
  override readonly name = 'ReplanRequired';
  constructor(
    readonly unit: PlannedMigration | PlannedRepeatable,
    readonly outcome: OutcomeUnknownError,
    /** Where the failing statement came from, for the error if no retry is left. */
    readonly source: StatementSource,
  ) {
    super(outcome.message, { cause: outcome });
  }
}

type Unit = PlannedMigration | PlannedRepeatable;

function sourceOf(statement: PlannedStatement | undefined, unit: Unit, historyTable: string): StatementSource {
  if (statement?.source) return statement.source;
  if (statement?.role === 'history') return { file: `schema history ${historyTable}`, line: 0, statement: 0 };
  if (statement?.role === 'guard') return { file: `invalid index check before ${unit.file}`, line: 0, statement: 0 };
  return { file: unit.file, line: 0, statement: 0 };
}

/** A step sent as a transaction (not folded into one call, not a data migration). */
const isTransactionStep = (step: PlannedStep | undefined): boolean => step !== undefined && step.transaction && !step.data && !step.folded;

/** A transaction begun ahead; an unused one is rolled back. */
interface Ahead {
  readonly transaction: Promise<Transaction>;
  readonly at: number;
}

/** A transaction begun ahead that sat idle longer than this is not used (the Data API ends idle ones after 3 min). */
const AHEAD_MAX_IDLE_MS = 60_000;

function beginAhead(driver: Driver): Ahead {
  const transaction = driver.beginTransaction();
  transaction.catch(() => undefined);
  return { transaction, at: Date.now() };
}

async function discard(ahead: Ahead | undefined): Promise<void> {
  if (!ahead) return;
  try {
    await (await ahead.transaction).rollback();
  } catch {
    // Never opened, or already gone.
  }
}

function leftApplied(unit: Unit, statementsDone: number, error: unknown): string | undefined {
  if (unit.kind === 'versioned' && dataMigrationOf(unit.migration)) {
    return `${unit.version} is a data migration: its checkpointed batches stay applied and its schema history row reads in progress; the next ${unit.direction === 'up' ? 'migrate' : 'rollback'} continues after the last checkpoint`;
  }
  if (error instanceof OutcomeUnknownError) return `whether its last step took effect is unknown (${statementsDone} statement(s) recorded); the next migrate reads the schema history and continues from what it records`;
  return undefined;
}

/**
 * Executes `plan` in order, recording what it did in `progress`.
 * @param completedBefore versions completed by earlier plans of this run (after a re-planning), for errors
 * @throws {ReplanRequired} when a step's outcome is unknown
 * @throws {MigrationError} on the first failure (its `cause` is the DatabaseError, DriverError,
 *   LockLostError or LongStatementError); migrations before it stay applied
 */
export async function executePlan(
  driver: Driver,
  plan: MigrationPlan,
  options: ExecutePlanOptions,
  progress: RunProgress,
  completedBefore: readonly string[] = [],
): Promise<void> {
  const { lease, log } = options;
  const units: Unit[] = [...plan.migrations, ...plan.repeatables];
  const budgetMs = options.timeBudget ? () => spendableMs(options.timeBudget) : undefined;
  let ahead: Ahead | undefined;
  for (let u = 0; u < units.length; u++) {
    const unit = units[u]!;
    const data = unit.kind === 'versioned' ? dataMigrationOf(unit.migration) : undefined;
    if (budgetMs !== undefined && budgetMs()! <= 0) {
      await discard(ahead);
      progress.stopped = { reason: 'time-budget', version: unit.version, name: unit.name, inProgress: unit.resumeAfter > 0 || unit.steps[0]?.resumed === true };
      log.warn('time budget used up: stopping before the next migration', { ...progress.stopped });
      return;
    }
    const started = Date.now();
    const context: StepContext = {
      driver,
      tables: options.tables,
      lease,
      log,
      current: undefined,
      runtime: (): SqlParams => ({ execution_ms: unit.priorExecutionMs + (Date.now() - started), lease_token: lease.token }),
      ...(options.transientRetry ? { transientRetry: options.transientRetry } : {}),
      ...(options.longStatements ? { longStatements: options.longStatements } : {}),
      ...(budgetMs ? { budgetMs } : {}),
      ...(data && unit.kind === 'versioned' ? { runData: (step: PlannedStep) => runDataStep(driver, unit, step, options) } : {}),
    };
    let statementsDone = unit.resumeAfter;
    let statements = 0;
    if (unit.resumeAfter > 0) log.info('resuming migration', { version: unit.version, after: unit.resumeAfter });
    for (let s = 0; s < unit.steps.length; s++) {
      const step = unit.steps[s]!;
      const next = unit.steps[s + 1] ?? units[u + 1]?.steps[0];
      let mine: Ahead | undefined = ahead;
      ahead = isTransactionStep(step) && isTransactionStep(next) ? beginAhead(driver) : undefined;
      if (mine && Date.now() - mine.at > AHEAD_MAX_IDLE_MS) {
        await discard(mine);
        mine = undefined;
      }
      context.current = undefined;
      let ran = 0;
      try {
        lease.assertHeld();
        ({ result: ran } = await withLockRetry(
          () => {
            const preBegun = mine?.transaction;
            mine = undefined;
            return runStep(context, step, preBegun);
          },
          // A data step retries its batches itself.
          step.data ? { retries: 0 } : unit.retries === undefined ? (options.retry ?? {}) : { ...options.retry, retries: unit.retries },
          ({ attempt, delayMs }) => log.warn('lock timeout, retrying', { version: unit.version, name: unit.name, file: unit.file, attempt, delayMs }),
        ));
      } catch (caught) {
        await Promise.all([discard(ahead), discard(mine)]);
        ahead = undefined;
        const error = caught instanceof RetriesExhausted ? caught.error : caught;
        const attempts = caught instanceof RetriesExhausted ? caught.attempts : 1;
        if (error instanceof DataMigrationStopped) {
          progress.stopped = { reason: 'time-budget', version: unit.version, name: unit.name, inProgress: true };
          log.warn('time budget used up: data migration stopped between batches', { ...progress.stopped, batchesThisRun: error.batches });
          return;
        }
        const source = sourceOf(context.current, unit, options.tables.history);
        if (error instanceof OutcomeUnknownError) throw new ReplanRequired(unit, error, source);
        const left = leftApplied(unit, statementsDone, error);
        throw new MigrationError({
          ...source,
          version: unit.version,
          name: unit.name,
          direction: unit.direction,
          completed: [...completedBefore, ...progress.applied.map((o) => o.version)],
          statementsLeftApplied: unit.transactional ? 0 : statementsDone,
          attempts,
          ...(left !== undefined ? { leftApplied: left } : {}),
          cause: error,
        });
      }
      if (step.statementsDone !== undefined) statementsDone = step.statementsDone;
      statements += ran;
    }
    const outcome = { version: unit.version, name: unit.name, executionMs: Date.now() - started, statements };
    if (unit.kind === 'repeatable') {
      log.info('repeatable migration applied', { name: unit.name, state: unit.state, executionMs: outcome.executionMs });
      progress.repeatables.push(outcome);
    } else {
      log.info(unit.direction === 'up' ? 'migration applied' : 'migration reverted', { ...outcome });
      progress.applied.push(outcome);
    }
  }
  await discard(ahead);
}

/**
 * Runs one step outside a migration (baseline, repair: schema history writes only), with the lease
 * token as runtime parameter and `execution_ms` 0. When its commit's outcome is unknown, settles its
 * transaction and asks `tookEffect` (which reads the schema history) whether it committed; runs it
 * again if not.
 * @throws {LockLostError} when a fenced write changed no row or the commit-time check failed; the
 *   database error otherwise
 */
export async function executeStep(
  driver: Driver,
  step: PlannedStep,
  options: { lease: Lease; log: Log; tables: HistoryTables; transientRetry?: TransientRetryOptions; tookEffect: () => Promise<boolean> },
): Promise<void> {
  const { lease, log } = options;
  for (let attempt = 1; ; attempt++) {
    lease.assertHeld();
    const context: StepContext = {
      driver,
      tables: options.tables,
      lease,
      log,
      current: undefined,
      runtime: () => ({ execution_ms: 0, lease_token: lease.token }),
      ...(options.transientRetry ? { transientRetry: options.transientRetry } : {}),
    };
    try {
      await runStep(context, step);
      return;
    } catch (error) {
      if (!(error instanceof OutcomeUnknownError)) throw error;
      if (error.session) await settleTransaction(driver, error.session, log, { ...(options.transientRetry ? { transientRetry: options.transientRetry } : {}) });
      if (await options.tookEffect()) return;
      if (!(await backoffTransient('write the schema history', attempt, error.error, options.transientRetry, log))) throw error.error;
    }
  }
}
