/**
 * Runs a plan (`plan/types.ts`): its versioned migrations, then its repeatable ones, step by step
 * (`run-step.ts`). A step that fails with lock_not_available (55P03) is retried whole after a backoff
 * (`retry.ts`), as often as the migration's `retries` directive or the run's `retry.retries` say.
 * The first failure stops the run with a MigrationError naming the migration, file, line and
 * SQLSTATE, and what was left applied; a step whose outcome is unknown stops it with
 * {@link ReplanRequired}, for the command to read the schema history again (`replan.ts`).
 *
 * Calls: a transaction step is usually folded into one DO block call (`plan/fold.ts`), so a
 * transactional migration costs one Data API call; consecutive such migrations are sent together in
 * one call that commits each on its own (`batch.ts`, `plan/fold-batch.ts`): a migration that fails
 * there is handled as if its own call had failed (its first attempt), the ones before it are applied,
 * the ones after it run after it. When steps stay transactions, while one runs the
 * transaction of the next step is begun ahead
 * (BeginTransaction only: PostgreSQL takes no snapshot and no lock before the transaction's first
 * statement, so it sees everything committed before it and makes CREATE INDEX CONCURRENTLY wait for
 * nothing), which takes a call off the critical path of every migration.
 */
import type { Driver, SqlParams, Transaction } from '../../driver/driver';
import type { Log } from '../../observability/log';
import { dataMigrationOf, type DataMigrationLoader, type DataMigrationProgressListener } from '../data/data-migration';
import { DataMigrationStopped, runDataStep } from '../data/run-data-migration';
import { MigrationError, type StatementSource } from '../errors';
import type { HistoryTables } from '../history/tables';
import type { Lease } from '../lock/lease';
import type { RunOptions } from '../options';
import { batchLength } from '../plan/fold-batch';
import type { MigrationPlan, PlannedMigration, PlannedRepeatable, PlannedStatement, PlannedStep } from '../plan/types';
import type { LongStatementOptions } from './long-statement';
import { runBatch } from './batch';
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
  readonly onDataProgress?: DataMigrationProgressListener;
  /** Send consecutive folded migrations in one call (`batch.ts`). @default true */
  readonly batchMigrations?: boolean;
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
    ...(options.onDataProgress ? { onDataProgress: options.onDataProgress } : {}),
    ...(options.batchMigrations === false ? { batchMigrations: false } : {}),
  };
}

/** What one migration of the plan did. */
export interface MigrationOutcome {
  /** The version ('' for a repeatable migration). */
  readonly version: string;
  readonly name: string;
  /**
   * Wall time of this run of the migration, ms (a resumed one's schema history row adds earlier runs'
   * time); for migrations applied together in one call (`batch.ts`), the call's time shared evenly
   * (their schema history rows have each one's own time, measured by the database).
   */
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
    /** Every migration the step of unknown outcome may have applied, in order (a batch's: `batch.ts`). */
    readonly units: ReadonlyArray<PlannedMigration | PlannedRepeatable> = [unit],
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

/** A migration that may be sent in a batch (`batch.ts`): one folded step, nothing run before. */
function batchable(unit: Unit): boolean {
  const step = unit.steps[0];
  return unit.steps.length === 1 && step?.folded?.body !== undefined && !step.data && step.resumed !== true && unit.resumeAfter === 0 && unit.priorExecutionMs === 0;
}

/** The migrations from `units[from]` sent together in one batch: empty when fewer than two would be. */
function batchMembers(units: readonly Unit[], from: number): Unit[] {
  let to = from;
  while (to < units.length && batchable(units[to]!)) to++;
  const candidates = units.slice(from, to);
  const members = candidates.slice(0, batchLength(candidates.map((m) => m.steps[0]!.folded!)));
  return members.length >= 2 ? members : [];
}

/** A batch sent (`batch.ts`): the units it covers, those it applied, the one that failed. */
interface SentBatch {
  /** Units `from` to `to` (exclusive) were sent. */
  readonly from: number;
  readonly to: number;
  /** Units before this index were applied by it. */
  readonly committedTo: number;
  /** The error of unit `committedTo` (its first attempt), when it failed. */
  readonly failure?: { readonly error: unknown; readonly source: PlannedStatement | undefined };
  /** The call's wall time shared evenly among the units it applied, ms. */
  readonly msEach: number;
}

const migrationStatements = (step: PlannedStep): number => step.statements.filter((s) => s.role === 'migration').length;

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
  let batching = options.batchMigrations !== false;
  let batch: SentBatch | undefined;
  const record = (unit: Unit, outcome: MigrationOutcome): void => {
    if (unit.kind === 'repeatable') {
      log.info('repeatable migration applied', { name: unit.name, state: unit.state, executionMs: outcome.executionMs });
      progress.repeatables.push(outcome);
    } else {
      log.info(unit.direction === 'up' ? 'migration applied' : 'migration reverted', { ...outcome });
      progress.applied.push(outcome);
    }
  };
  for (let u = 0; u < units.length; u++) {
    const unit = units[u]!;
    const data = unit.kind === 'versioned' ? dataMigrationOf(unit.migration) : undefined;
    // Past the batch, or past the migration it failed at: the next ones may form a batch again.
    if (batch && (u >= batch.to || u > batch.committedTo)) batch = undefined;
    if (batch && u < batch.committedTo) {
      // Applied by the batch sent with an earlier migration.
      record(unit, { version: unit.version, name: unit.name, executionMs: batch.msEach, statements: migrationStatements(unit.steps[0]!) });
      continue;
    }
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
    // The first attempt of a migration that failed in a batch is the batch's; a batch starts here when
    // this migration and the next can go together.
    let preset = batch && batch.failure && batch.committedTo === u ? batch.failure : undefined;
    let members = !batch && batching && ahead === undefined ? batchMembers(units, u) : [];
    let sent: Unit[] | undefined;
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
          async () => {
            const preBegun = mine?.transaction;
            mine = undefined;
            if (preset) {
              const first = preset;
              preset = undefined;
              context.current = first.source ?? step.folded;
              throw first.error;
            }
            if (members.length > 0) {
              sent = members;
              members = [];
              const label = `${sent[0]!.file} to ${sent[sent.length - 1]!.file}`;
              const outcome = await runBatch(
                { driver, tables: options.tables, lease, log, ...(options.transientRetry ? { transientRetry: options.transientRetry } : {}), ...(options.longStatements ? { longStatements: options.longStatements } : {}), ...(budgetMs ? { budgetMs } : {}) },
                sent.map((m) => m.steps[0]!.folded!),
                label,
              );
              if (outcome.unsupported) batching = false;
              const shares = outcome.committed + (outcome.failure ? 1 : 0);
              batch = { from: u, to: u + sent.length, committedTo: u + outcome.committed, msEach: Math.round(outcome.ms / Math.max(1, shares)), ...(outcome.failure ? { failure: outcome.failure } : {}) };
              if (outcome.committed > 0) return migrationStatements(step);
              if (outcome.failure) {
                context.current = outcome.failure.source ?? step.folded;
                throw outcome.failure.error;
              }
              // Not run: this migration on its own.
              batch = undefined;
            }
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
        if (error instanceof OutcomeUnknownError) throw new ReplanRequired(unit, error, source, sent ?? [unit]);
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
    const byBatch = batch !== undefined && batch.from === u && batch.committedTo > u;
    record(unit, { version: unit.version, name: unit.name, executionMs: byBatch ? batch!.msEach : Date.now() - started, statements });
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
