/**
 * The fault-injection seam of the local Data API, for reliability tests: a hook consulted before each
 * call that may
 * - delay it (a slow service), before the call runs and/or after it ran and before the answer;
 * - answer it with an error of its choosing (DatabaseResumingException, ServiceUnavailableError,
 *   StatementTimeoutException, ...) instead of running it;
 * - drop the connection without an answer, before the call runs (the request never reached the
 *   database) or after it ran (the database did the work, the answer is lost: the outcome is unknown
 *   to the client, as when a Lambda function's network fails mid-call);
 * - let the call run and replace its answer with an error (a 5xx or a StatementTimeoutException
 *   after the statement completed);
 * - expire the transaction the call names first, as the Data API does after 3 minutes without a call
 *   (rolled back; the call then fails with TransactionNotFoundException "... may be expired").
 *
 * ```ts
 * // The function "dies" after its 12th call: every later call is dropped unanswered.
 * api.faults = ({ call }) => (call > 12 ? { dropConnection: true } : undefined);
 * // The commit happens, the answer is lost.
 * api.faults = ({ operation }) => (operation === 'CommitTransaction' ? { afterRun: { dropConnection: true } } : undefined);
 * ```
 */
import type { DataApiOperation } from './counters';

export interface FaultContext {
  readonly operation: DataApiOperation;
  /** The request body as parsed JSON (undefined when it is not JSON). */
  readonly request: unknown;
  /** 1-based number of this call since the server started (across operations). */
  readonly call: number;
}

/** An error answer: `status` defaults to the status AWS uses for `name` (`service-error.ts`), or 500. */
export interface InjectedError {
  readonly name: string;
  readonly status?: number;
  readonly message?: string;
}

/** What happens once the call has run on the database, before its answer is sent. */
export interface AfterRunFault {
  /** Wait this long (ms) before answering (a slow response). */
  readonly delayMs?: number;
  /** Answer with this error although the call ran (its effects stay). */
  readonly error?: InjectedError;
  /** Close the connection without answering although the call ran (its effects stay). */
  readonly dropConnection?: boolean;
}

export interface FaultAction {
  /** Wait this long (ms) before going on (with the other members, or with the real call). */
  readonly delayMs?: number;
  /**
   * Roll back and forget the transaction named by the request's `transactionId` before the call runs,
   * as the Data API's idle timeout does; the call itself then runs (and fails with
   * TransactionNotFoundException "Transaction may be expired.", unless other members answer first).
   * No effect when the request names no open transaction.
   */
  readonly expireTransaction?: boolean;
  /** Answer with this error instead of running the call. */
  readonly error?: InjectedError;
  /** Close the connection without answering and without running the call (the client sees a socket error). */
  readonly dropConnection?: boolean;
  /** Run the call, then delay, replace or drop its answer. */
  readonly afterRun?: AfterRunFault;
}

/** Decides the fault for one call; undefined (or `{}`) lets the call run normally. */
export type FaultHook = (context: FaultContext) => FaultAction | undefined | Promise<FaultAction | undefined>;
