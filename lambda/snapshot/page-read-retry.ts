import type { Executor, ExecuteOptions, QueryResult, Row, SqlParams } from '../driver/driver';
import { DatabaseError, DriverError } from '../driver/errors';
import { backoffTransient, describeError, isTransientFailure, type TransientRetryOptions } from '../engine/run/transient';
import type { Log } from '../observability/log';

/** SQLSTATE in_failed_sql_transaction: a statement of the transaction failed; it ignores commands until it ends (PostgreSQL docs, Appendix A). */
const IN_FAILED_TRANSACTION = '25P02';

export interface PageReadRetryOptions {
  /** Names the reads in logs and errors, e.g. `snapshot page of public.orders`. */
  readonly what: string;
  /** Retries and their backoff. @default DEFAULT_TRANSIENT_RETRY (8 retries, 0.5 s doubling to 10 s, jittered) */
  readonly retry?: TransientRetryOptions;
  readonly log: Log;
}

/**
 * The snapshot's page reads through `executor` (a snapshot transaction: REPEATABLE READ, READ ONLY),
 * each re-sent after a transient failure of the service or the network (DriverError `resuming` or
 * `unavailable`: DatabaseResumingException, throttling, 5xx, a dropped connection) with exponential
 * backoff and jitter (`engine/run/transient.ts`).
 *
 * Why this is consistent: a page read changes nothing, and every statement of the transaction sees the
 * same snapshot (PostgreSQL docs, 13.2.2 "Repeatable Read Isolation Level"), so a page read again
 * returns the same rows, whether or not the lost call had run. What it cannot survive is a lost call
 * that failed on the server: the transaction is then aborted (PostgreSQL docs, 3.4 "Transactions") and
 * the retry is answered with SQLSTATE 25P02 (or, the transaction gone, TransactionNotFoundException):
 * the export then fails with an error saying so, never reading at another instant. While the lost call
 * is still running, the retry is answered `busy` and waits again.
 *
 * A PostgreSQL error is never re-sent (it aborted the transaction), nor is any other failure.
 * @returns an executor to read the pages through; its errors are the driver's, or after a retry an
 *   Error naming both failures (its `cause` the last)
 */
export function retryPageReads(executor: Executor, options: PageReadRetryOptions): Executor {
  return {
    async execute<R extends Row = Row>(sql: string, params?: SqlParams, executeOptions?: ExecuteOptions): Promise<QueryResult<R>> {
      let lost: unknown;
      for (let attempt = 1; ; attempt++) {
        try {
          return await executor.execute<R>(sql, params, executeOptions);
        } catch (error) {
          const resendable = error instanceof DriverError && (isTransientFailure(error) || (lost !== undefined && error.kind === 'busy'));
          if (resendable && (await backoffTransient(options.what, attempt, error, options.retry, options.log))) {
            lost ??= error;
            continue;
          }
          if (lost === undefined) throw error;
          const aborted = error instanceof DatabaseError && error.sqlState === IN_FAILED_TRANSACTION;
          const why = resendable
            ? `the retries are used up (${attempt - 1})`
            : aborted
              ? 'the snapshot transaction was aborted by the lost call, which failed on the server'
              : `the retry failed with ${describeError(error)}`;
          throw new Error(
            `${options.what}: the read was lost (${describeError(lost)}) and read again in the snapshot's transaction, but ${why}; ` +
              'the export stops rather than read at another instant',
            { cause: error },
          );
        }
      }
    },
  };
}
