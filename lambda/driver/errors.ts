/**
 * Errors every driver throws, so the engine can decide what to retry without knowing the backend.
 */

/** A PostgreSQL error: the statement failed on the server. */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  constructor(
    message: string,
    /** The five-character SQLSTATE (PostgreSQL docs, Appendix A "Error Codes"), e.g. `55P03`. */
    readonly sqlState: string | undefined,
    readonly detail?: string,
    readonly hint?: string,
    /** 1-based character offset into the statement, when PostgreSQL reported one. */
    readonly position?: number,
  ) {
    super(message);
  }
}

/**
 * Kinds of non-SQL failure. `transient` ones are worth retrying with backoff:
 * - `resuming`: Serverless v2 waking from 0 ACU (Data API DatabaseResumingException);
 * - `unavailable`: writer unavailable, 5xx, throttling, connection reset;
 * - `statement-timeout`: the Data API's 45 s call wait ran out (the statement may still be running
 *   when it was sent with continueAfterTimeout);
 * - `transaction-not-found`: the transaction expired (3 minutes idle) or is unknown;
 * - `busy`: a second call on a transaction that is still running a query;
 * - `invalid-request`: the request itself is wrong (ValidationException, multi-statement SQL);
 * - `unsupported-result`: the result cannot be returned (type or size);
 * - `access-denied`: permissions.
 */
export type DriverErrorKind =
  | 'resuming'
  | 'unavailable'
  | 'statement-timeout'
  | 'transaction-not-found'
  | 'busy'
  | 'invalid-request'
  | 'unsupported-result'
  | 'access-denied';

/** A failure of the transport or the service rather than of the SQL. */
export class DriverError extends Error {
  override readonly name = 'DriverError';
  constructor(
    message: string,
    readonly kind: DriverErrorKind,
    /** The Data API error name (`x-amzn-ErrorType`) or the Node error code, for reports. */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const TRANSIENT_KINDS: ReadonlySet<DriverErrorKind> = new Set(['resuming', 'unavailable']);

/**
 * SQLSTATEs worth retrying (PostgreSQL docs, Appendix A): lock_not_available (55P03),
 * deadlock_detected (40P01), serialization_failure (40001), and the connection-exception class 08.
 * query_canceled (57014, statement_timeout) is retried only when a migration asks for it.
 */
const TRANSIENT_SQLSTATES: ReadonlySet<string> = new Set(['55P03', '40P01', '40001', '57P03']);

/** True when retrying the same call later may succeed without anything else changing. */
export function isTransient(error: unknown): boolean {
  if (error instanceof DriverError) return TRANSIENT_KINDS.has(error.kind);
  if (error instanceof DatabaseError) {
    return error.sqlState !== undefined && (TRANSIENT_SQLSTATES.has(error.sqlState) || error.sqlState.startsWith('08'));
  }
  return false;
}
