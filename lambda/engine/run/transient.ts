/**
 * Transient failures: a Serverless v2 cluster waking from 0 ACU (Data API DatabaseResumingException),
 * throttling, 5xx, a dropped connection, a deadlock or serialization failure. They are retried with
 * exponential backoff ("equal jitter", as `retry.ts`); everything else fails fast.
 *
 * What may be re-sent is decided by what the failed call could have done, so that no statement ever
 * runs twice:
 * - reads, and the engine's idempotent bookkeeping writes (creating the schema history, taking,
 *   renewing and releasing the lock lease with our token): re-sent as they are ({@link resendable});
 * - a transaction before its commit: nothing of it can be committed without CommitTransaction, so it
 *   is rolled back and run again from its BeginTransaction (`run-step.ts`);
 * - a call that provably did not run its statement ({@link didNotRun}: DatabaseResumingException,
 *   throttling, a refused connection, or a PostgreSQL error, after which nothing of the statement
 *   remains): re-sent;
 * - a CommitTransaction, or a write outside a transaction (a folded migration's DO block, CREATE INDEX
 *   CONCURRENTLY, a progress row), that failed in a way that may have happened after the database ran
 *   it (5xx, a reset connection):
 *   NOT re-sent. Its outcome is unknown, so the engine reads the schema history again, which records
 *   every step in the step's own transaction, and plans from what it says (`outcome-unknown.ts`). A
 *   non-transactional statement whose progress row was not written is then run again, as after a
 *   crash: CREATE INDEX CONCURRENTLY is guarded (`concurrent-index.ts`); others should be written to
 *   be safe to run twice (IF EXISTS / IF NOT EXISTS).
 */
import { DatabaseError, DriverError, isTransient } from '../../driver/errors';
import type { Log } from '../../observability/log';
import { backoffDelayMs, LOCK_NOT_AVAILABLE, sleep } from './retry';

export interface TransientRetryOptions {
  /**
   * Retries of one call, one transaction or one re-planning after a transient failure. The default
   * waits about 25 to 45 s in all, longer than a Serverless v2 cluster takes to resume from 0 ACU.
   * @default 8
   */
  readonly retries?: number;
  /** Delay before the first retry, before jitter, ms. @default 500 */
  readonly baseDelayMs?: number;
  /** Upper bound of a delay, ms. @default 10000 */
  readonly maxDelayMs?: number;
  /**
   * How long a transaction whose CommitTransaction was lost may sit idle, ending on its own, before
   * the engine terminates its backend so that its locks go (`outcome-unknown.ts`), ms. @default 0
   */
  readonly abandonedTransactionGraceMs?: number;
}

/** Options of anything that reads or writes through the driver. */
export interface TransientOptions {
  /** Retries after transient failures (see the module comment). @default {@link DEFAULT_TRANSIENT_RETRY} */
  readonly transientRetry?: TransientRetryOptions;
  /** Where retries are logged. @default silentLog */
  readonly log?: Log;
}

export const DEFAULT_TRANSIENT_RETRY = { retries: 8, baseDelayMs: 500, maxDelayMs: 10_000 } as const;

/** Error names and Node codes of calls rejected before they reached the database. */
const NOT_SENT: ReadonlySet<string> = new Set([
  'DatabaseResumingException',
  'ThrottlingException',
  'TooManyRequestsException',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * True for a transient failure worth retrying (the driver's `isTransient`), except a lock timeout,
 * which the lock timeout retries handle (`retry.ts`).
 */
export function isTransientFailure(error: unknown): boolean {
  return isTransient(error) && !(error instanceof DatabaseError && error.sqlState === LOCK_NOT_AVAILABLE);
}

/**
 * True when the failed call provably left nothing behind: a PostgreSQL error (a statement either
 * completes or has no effect, PostgreSQL docs 3.4 "Transactions"), or a call the service or network
 * rejected before the database ran it ({@link NOT_SENT}).
 */
export function didNotRun(error: unknown): boolean {
  if (error instanceof DatabaseError) return true;
  return error instanceof DriverError && (error.kind === 'resuming' || (error.code !== undefined && NOT_SENT.has(error.code)));
}

/** One line for logs: the error's code and message. */
export function describeError(error: unknown): string {
  if (error instanceof DriverError) return `${error.code ?? error.kind}: ${error.message}`;
  if (error instanceof DatabaseError) return `SQLSTATE ${error.sqlState}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Waits before retry `attempt` (1-based) of `what` when the options allow another one, logging it.
 * @returns false when the retries are used up (nothing waited)
 */
export async function backoffTransient(what: string, attempt: number, error: unknown, options: TransientRetryOptions | undefined, log: Log): Promise<boolean> {
  const retries = options?.retries ?? DEFAULT_TRANSIENT_RETRY.retries;
  if (attempt > retries) return false;
  const delayMs = backoffDelayMs(attempt, {
    baseDelayMs: options?.baseDelayMs ?? DEFAULT_TRANSIENT_RETRY.baseDelayMs,
    maxDelayMs: options?.maxDelayMs ?? DEFAULT_TRANSIENT_RETRY.maxDelayMs,
  });
  log.warn('transient error, retrying', { what, attempt, delayMs, error: describeError(error) });
  await sleep(delayMs);
  return true;
}

/**
 * Runs `call`, an operation that is safe to send again (a read, an idempotent write), retrying it
 * after a transient failure (see {@link isTransientFailure}) with backoff.
 * @param what names the operation in logs, e.g. `read the schema history`
 * @throws the last error when it is not transient or the retries are used up
 */
export async function resendable<T>(what: string, options: TransientRetryOptions | undefined, log: Log, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isTransientFailure(error) || !(await backoffTransient(what, attempt, error, options, log))) throw error;
    }
  }
}
