/**
 * Running a batch of folded migrations (`plan/fold-batch.ts`) in one Data API call, and finding out
 * what it did: which migrations committed, and which one failed with what error.
 *
 * - A statement's error carries the migration and statement it came from (`BATCH_ERROR`): the
 *   migrations before it committed, it did not, the ones after it did not run. With SQLSTATE
 *   `BUDGET_USED_UP` the block stopped before that migration because the run's time budget was used
 *   up: nothing failed.
 * - An error without that prefix (a COMMIT refused by the commit-time lease check) or a call that
 *   outlived the Data API's wait (waited for, as a single folded step is: `long-statement.ts`):
 *   the schema history says which migrations committed (one read per migration until the first not
 *   committed; only on these paths).
 * - SQLSTATE 2D000 (the server does not let the block end transactions) or a request the service
 *   refuses (a DriverError that is not transient): nothing committed, batching is `unsupported` and
 *   the migrations run one call each as before.
 * - A transient failure that proves the call did not run: the migrations run one call each. One after
 *   which the block may have run: {@link OutcomeUnknownError}, for the executor to re-plan from the
 *   schema history (`replan.ts`).
 */
import { DatabaseError, DriverError } from '../../driver/errors';
import { LockLostError } from '../errors';
import { LEASE_LOST_SQLSTATE } from '../history/commit-check';
import type { Lease } from '../lock/lease';
import { BATCH_ERROR, batchFolded, BUDGET_USED_UP } from '../plan/fold-batch';
import type { PlannedStatement } from '../plan/types';
import { confirmStep } from './folded';
import { awaitOutsideTransaction, connectionIdOf, LongStatementError, outlivedItsCall } from './long-statement';
import { OutcomeUnknownError } from './outcome-unknown';
import type { StepContext } from './run-step';
import { didNotRun, isTransientFailure, resendable } from './transient';

/** SQLSTATE invalid_transaction_termination (PostgreSQL docs, Appendix A): COMMIT where it is not allowed. */
export const INVALID_TRANSACTION_TERMINATION = '2D000';

/** What a batch runs with: a step's context (`run-step.ts`) without its per-migration parts. */
export type BatchContext = Pick<StepContext, 'driver' | 'tables' | 'lease' | 'log' | 'transientRetry' | 'longStatements' | 'budgetMs'>;

/** What a batch did. */
export interface BatchOutcome {
  /** Migrations committed, from the first (they are applied). */
  readonly committed: number;
  /** Wall time of the call (and of any waiting after it), ms. */
  readonly ms: number;
  /**
   * The migration at index `committed` failed: the error as a single folded step reports it (the
   * DatabaseError without the prefix, a LockLostError, a LongStatementError), and the statement it
   * came from when known (index 0 of its folds is the schema history write).
   */
  readonly failure?: { readonly error: unknown; readonly source: PlannedStatement | undefined };
  /** The server or service refused the batch itself: send migrations one call each from now on. */
  readonly unsupported?: boolean;
}

/** Migrations of `folded`, from the first, that the schema history shows committed. */
async function countCommitted(context: BatchContext, folded: readonly PlannedStatement[]): Promise<number> {
  let n = 0;
  for (const statement of folded) {
    const confirm = statement.confirm;
    if (!confirm) break;
    const done = await resendable('read what a batch of migrations did', context.transientRetry, context.log, () =>
      confirmStep(context.driver, context.tables, confirm),
    );
    if (!done) break;
    n += 1;
  }
  return n;
}

/** The error of a failed migration as a single folded step reports it. */
function asStepError(error: unknown, lease: Lease): unknown {
  return error instanceof DatabaseError && error.sqlState === LEASE_LOST_SQLSTATE ? new LockLostError(lease.owner) : error;
}

/**
 * Sends `folded` (the folded statements of consecutive migrations, at least one) as one call and
 * reports what it did (see the module comment).
 * @param label names the batch in logs, e.g. `0003_x/up.sql to 0040_y/up.sql`
 * @throws {OutcomeUnknownError} when a transient failure leaves unknown whether the block ran
 * @throws the error of reading the schema history, when that fails past its retries
 */
export async function runBatch(context: BatchContext, folded: readonly PlannedStatement[], label: string): Promise<BatchOutcome> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const sql = batchFolded(folded, context.lease.token, context.budgetMs?.());
  if (sql === undefined) return { committed: 0, ms: 0 };
  try {
    await context.driver.execute(sql, {}, { continueAfterTimeout: true });
    return { committed: folded.length, ms: elapsed() };
  } catch (error) {
    if (error instanceof DatabaseError) {
      const match = BATCH_ERROR.exec(error.message);
      if (match) {
        const index = Number(match[1]) - 1;
        if (error.sqlState === BUDGET_USED_UP) return { committed: index, ms: elapsed() };
        const member = folded[index];
        const unfolded = new DatabaseError(error.message.slice(match[0].length), error.sqlState, error.detail, error.hint);
        return { committed: index, ms: elapsed(), failure: { error: asStepError(unfolded, context.lease), source: member?.folds?.[Number(match[2])] } };
      }
      const committed = await countCommitted(context, folded);
      if (error.sqlState === INVALID_TRANSACTION_TERMINATION) {
        context.log.warn('the server does not let a DO block commit: migrations are sent one call each', { committed });
        return { committed, ms: elapsed(), unsupported: true };
      }
      if (committed === folded.length) return { committed, ms: elapsed() };
      return { committed, ms: elapsed(), failure: { error: asStepError(error, context.lease), source: undefined } };
    }
    if (outlivedItsCall(error)) {
      const pid = connectionIdOf(error);
      let waitError: unknown;
      try {
        await awaitOutsideTransaction(
          {
            driver: context.driver,
            log: context.log,
            label,
            ...(context.longStatements ? { options: context.longStatements } : {}),
            ...(context.transientRetry ? { transientRetry: context.transientRetry } : {}),
            ...(context.budgetMs ? { budgetMs: context.budgetMs } : {}),
          },
          { sql, ...(pid !== undefined ? { pid } : {}) },
          { cancelPastBound: true },
        );
      } catch (caught) {
        if (!(caught instanceof LongStatementError)) throw caught;
        waitError = caught;
      }
      const committed = await countCommitted(context, folded);
      if (committed === folded.length) return { committed, ms: elapsed() };
      const failed =
        waitError ??
        new LongStatementError(
          `${label} failed on the server after its Data API call ended (the Data API reports no error for it; see the PostgreSQL log): ${committed} of its ${folded.length} migrations committed, nothing of the next one`,
          elapsed(),
        );
      return { committed, ms: elapsed(), failure: { error: failed, source: undefined } };
    }
    if (isTransientFailure(error)) {
      if (didNotRun(error)) return { committed: 0, ms: elapsed() };
      const pid = connectionIdOf(error);
      throw new OutcomeUnknownError(error, undefined, { sql, ...(pid !== undefined ? { pid } : {}) });
    }
    if (error instanceof DriverError) {
      context.log.warn('the Data API refused a batch of migrations: they are sent one call each', { error: error.message, code: error.code });
      return { committed: 0, ms: elapsed(), unsupported: true };
    }
    throw error;
  }
}
