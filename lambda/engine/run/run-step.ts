/**
 * Runs one planned step (`plan/types.ts`): a transaction (BeginTransaction, its statements,
 * CommitTransaction), or statements sent on their own (autocommit), or a data migration's module.
 * What is retried after a transient failure, and how, follows `transient.ts`; statements that outlive
 * their Data API call are waited for (`long-statement.ts`).
 */
import type { Driver, Executor, SqlParams, Transaction } from '../../driver/driver';
import { DatabaseError, DriverError } from '../../driver/errors';
import type { Log } from '../../observability/log';
import { LockLostError } from '../errors';
import { LEASE_LOST_SQLSTATE } from '../history/commit-check';
import type { Lease } from '../lock/lease';
import type { HistoryTables } from '../history/tables';
import type { PlannedStatement, PlannedStep } from '../plan/types';
import { confirmStep, inlineRuntime, unfoldError } from './folded';
import { checkIndexBuilt, checkIndexDropped, parseConcurrentIndex, parseDropIndexConcurrently, runInvalidIndexGuard } from './concurrent-index';
import {
  awaitInTransaction,
  awaitOutsideTransaction,
  connectionIdOf,
  LongStatementError,
  outlivedItsCall,
  type LongStatementOptions,
  type TransactionSession,
  type WaitContext,
} from './long-statement';
import { OutcomeUnknownError } from './outcome-unknown';
import { backoffTransient, didNotRun, isTransientFailure, resendable, type TransientRetryOptions } from './transient';

/** What a step runs with; `current` tracks the statement being run, for errors. */
export interface StepContext {
  readonly driver: Driver;
  readonly tables: HistoryTables;
  readonly lease: Lease;
  readonly log: Log;
  readonly transientRetry?: TransientRetryOptions;
  readonly longStatements?: LongStatementOptions;
  /** How long the run may still wait, ms (its time budget less the reserve), when it has one. */
  readonly budgetMs?: () => number | undefined;
  /** Runtime parameter values (`execution_ms`, `lease_token`). */
  runtime(): SqlParams;
  /** The statement being run. */
  current: PlannedStatement | undefined;
  /** Runs a data migration step (`data/run-data-migration.ts`); absent when the plan has none. */
  readonly runData?: (step: PlannedStep) => Promise<void>;
}

function paramsOf(statement: PlannedStatement, context: StepContext): Record<string, SqlParams[string]> {
  const runtime = context.runtime();
  const params: Record<string, SqlParams[string]> = { ...statement.params };
  for (const name of statement.runtimeParams ?? []) params[name] = runtime[name]!;
  return params;
}

function labelOf(statement: PlannedStatement): string {
  if (statement.folds) return `${statement.source?.file ?? 'a migration'} (its ${statement.folds.length - 1} statement(s) in one call)`;
  return statement.source ? `${statement.source.file} line ${statement.source.line}` : `the engine's ${statement.role} statement`;
}

function waitContext(context: StepContext, statement: PlannedStatement): WaitContext {
  return {
    driver: context.driver,
    log: context.log,
    label: labelOf(statement),
    ...(context.longStatements ? { options: context.longStatements } : {}),
    ...(context.transientRetry ? { transientRetry: context.transientRetry } : {}),
    ...(context.budgetMs ? { budgetMs: context.budgetMs } : {}),
  };
}

/**
 * Sends a statement and checks the rows it must change (a fenced schema history write).
 * @param text the text to send instead of `statement.sql` (a folded step with its runtime values written in)
 */
async function send(db: Executor, statement: PlannedStatement, context: StepContext, text?: string) {
  const options = statement.continueAfterTimeout ? { continueAfterTimeout: true } : undefined;
  const result = text !== undefined ? await db.execute(text, {}, options) : await db.execute(statement.sql, paramsOf(statement, context), options);
  if (statement.expectRowsAffected !== undefined && result.rowsAffected !== statement.expectRowsAffected) {
    throw new LockLostError(context.lease.owner);
  }
  return result;
}

/**
 * After a statement sent outside a transaction outlived its call: waits until it no longer runs,
 * then checks its outcome where the database shows it. A folded step is atomic: past the bound it is
 * cancelled; its outcome is read from the schema history.
 */
async function afterCallWait(context: StepContext, statement: PlannedStatement, sent: string, guard: PlannedStatement | undefined, error: unknown): Promise<void> {
  const index = guard?.guard ?? parseConcurrentIndex(statement.sql);
  const pid = connectionIdOf(error);
  const outside = { sql: sent, ...(pid !== undefined ? { pid } : {}), ...(index ? { index: { name: index.index, table: index.table } } : {}) };
  const wait = waitContext(context, statement);
  if (statement.folds) {
    await awaitOutsideTransaction(wait, outside, { cancelPastBound: true });
    const confirm = statement.confirm;
    if (confirm && (await resendable('read what a step did', context.transientRetry, context.log, () => confirmStep(context.driver, context.tables, confirm)))) return;
    if (!confirm) throw new OutcomeUnknownError(error, undefined, outside);
    throw new LongStatementError(`${wait.label} failed on the server after its Data API call ended (the Data API reports no error for it; see the PostgreSQL log): nothing of it was committed`, 0);
  }
  await awaitOutsideTransaction(wait, outside);
  const dropped = parseDropIndexConcurrently(statement.sql);
  if (index) await resendable('check an index build', context.transientRetry, context.log, () => checkIndexBuilt(context.driver, index));
  else if (dropped) await resendable('check an index drop', context.transientRetry, context.log, () => checkIndexDropped(context.driver, dropped));
  else context.log.warn('statement finished on the server after its call ended; the Data API reports no outcome for it', { statement: labelOf(statement) });
}

/**
 * A statement outside a transaction: re-sent after a transient failure only when the failure proves
 * it did not run; a failure that may have come after it ran is an {@link OutcomeUnknownError}. Waits
 * for it when it outlives its call. A folded step's error is mapped back to the statement that failed.
 */
async function runAutocommit(context: StepContext, statement: PlannedStatement, guard: PlannedStatement | undefined): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const text = statement.inlineParamsBefore !== undefined ? inlineRuntime(statement, context.runtime()) : undefined;
    try {
      await send(context.driver, statement, context, text);
      return;
    } catch (raw) {
      const { error, source } = unfoldError(raw, statement);
      if (source) context.current = source;
      if (error instanceof DatabaseError && error.sqlState === LEASE_LOST_SQLSTATE) throw new LockLostError(context.lease.owner);
      if (statement.continueAfterTimeout && outlivedItsCall(error)) {
        await afterCallWait(context, statement, text ?? statement.sql, guard, error);
        return;
      }
      if (!isTransientFailure(error)) throw error;
      if (!didNotRun(error)) {
        const pid = connectionIdOf(error);
        throw new OutcomeUnknownError(error, undefined, { sql: text ?? statement.sql, ...(pid !== undefined ? { pid } : {}) });
      }
      if (!(await backoffTransient(`send ${labelOf(statement)}`, attempt, error, context.transientRetry, context.log))) throw error;
    }
  }
}

/** @returns the migration statements run (a resumed statement found done is not counted) */
async function runAutocommitStep(context: StepContext, step: PlannedStep): Promise<number> {
  let guard: PlannedStatement | undefined;
  let skip = false;
  let ran = 0;
  for (const statement of step.statements) {
    context.current = statement;
    if (statement.role === 'guard') {
      guard = statement;
      const outcome = await resendable('check for an INVALID index', context.transientRetry, context.log, () => runInvalidIndexGuard(context.driver, statement));
      skip = outcome === 'valid' && step.resumed === true;
      continue;
    }
    if (skip && statement.role === 'migration') {
      context.log.info('index exists and is valid: the resumed statement is not run again', { statement: labelOf(statement), index: guard?.guard?.index });
      skip = false;
      continue;
    }
    await runAutocommit(context, statement, guard);
    if (statement.role === 'migration') ran += 1;
  }
  return ran;
}

/** Rolls back a transaction begun ahead that a folded step does not use. */
async function rollbackAhead(ahead: Promise<Transaction> | undefined, log: Log): Promise<void> {
  if (ahead) await rollbackQuietly(await ahead.catch(() => undefined), log);
}

/** Rolls back, ignoring failures (the transaction may be gone already; the Data API ends it after 3 minutes). */
export async function rollbackQuietly(tx: Transaction | undefined, log: Log): Promise<void> {
  if (!tx) return;
  try {
    await tx.rollback();
  } catch (error) {
    log.debug('rollback failed', { error: error instanceof Error ? error.message : String(error) });
  }
}

/** True for a failure before the commit after which the transaction is run again from its start. */
export function retriableBeforeCommit(error: unknown): boolean {
  return isTransientFailure(error) || (error instanceof DriverError && error.kind === 'transaction-not-found');
}

/** The backend and transaction start an opening statement returned (`timeouts.ts`). */
export function sessionOf(row: Record<string, unknown> | undefined): TransactionSession | undefined {
  const pid = row?.pid;
  const xactStart = row?.xact_start;
  return typeof pid === 'number' && typeof xactStart === 'string' ? { pid, xactStart } : undefined;
}

/**
 * A transaction step. A transient failure before the commit rolls the transaction back and runs it
 * again (nothing of it was committed); a commit that fails transiently is an
 * {@link OutcomeUnknownError}; the commit-time check's SQLSTATE is a {@link LockLostError}.
 * @param preBegun a transaction begun ahead for this step (see `execute-plan.ts`), used if it opened
 */
async function runTransactionStep(context: StepContext, step: PlannedStep, preBegun: Promise<Transaction> | undefined): Promise<void> {
  let ahead = preBegun;
  for (let attempt = 1; ; attempt++) {
    let tx: Transaction | undefined;
    let session: TransactionSession | undefined;
    try {
      tx = ahead ? await ahead.catch(() => undefined) : undefined;
      ahead = undefined;
      tx ??= await resendable('begin a transaction', context.transientRetry, context.log, () => context.driver.beginTransaction());
      for (const statement of step.statements) {
        context.current = statement;
        try {
          const result = await send(tx, statement, context);
          if (statement.session) session = sessionOf(result.rows[0]);
        } catch (error) {
          if (!(statement.continueAfterTimeout && outlivedItsCall(error))) throw error;
          await awaitInTransaction(waitContext(context, statement), tx, session);
        }
      }
    } catch (error) {
      await rollbackQuietly(tx, context.log);
      if (retriableBeforeCommit(error) && (await backoffTransient('run a transaction', attempt, error, context.transientRetry, context.log))) continue;
      throw error;
    }
    try {
      await tx.commit();
      return;
    } catch (error) {
      if (error instanceof DatabaseError) {
        if (error.sqlState === LEASE_LOST_SQLSTATE) throw new LockLostError(context.lease.owner);
        // A serialization failure or deadlock at commit rolled the transaction back.
        if (isTransientFailure(error) && (await backoffTransient('commit a transaction', attempt, error, context.transientRetry, context.log))) continue;
        throw error;
      }
      if (retriableBeforeCommit(error)) throw new OutcomeUnknownError(error, session);
      throw error;
    }
  }
}

/**
 * Runs `step` (see the module comment).
 * @param preBegun a transaction begun ahead for a transaction step
 * @returns the script statements it ran
 * @throws {OutcomeUnknownError} when a commit or a write outside a transaction failed transiently
 * @throws {LockLostError} when a fenced write changed no row, or the commit-time check failed
 * @throws {LongStatementError} when a statement that outlived its call failed or ran past the bound
 * @throws the DatabaseError or DriverError of a failed statement otherwise (lock timeouts included:
 *   the caller retries those)
 */
export async function runStep(context: StepContext, step: PlannedStep, preBegun?: Promise<Transaction>): Promise<number> {
  if (step.data) {
    if (!context.runData) throw new Error('a data migration step needs a data migration runner');
    await context.runData(step);
    return 0;
  }
  if (step.folded) {
    await rollbackAhead(preBegun, context.log);
    context.current = step.folded;
    await runAutocommit(context, step.folded, undefined);
    return step.statements.filter((s) => s.role === 'migration').length;
  }
  if (!step.transaction) return runAutocommitStep(context, step);
  await runTransactionStep(context, step, preBegun);
  return step.statements.filter((s) => s.role === 'migration').length;
}
