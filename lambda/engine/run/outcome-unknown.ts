/**
 * A step whose outcome is unknown: its CommitTransaction, or a write sent outside a transaction,
 * failed in a way that may have happened after the database ran it (a 5xx, a reset connection). It is
 * not sent again (it could run twice). Instead the engine:
 * 1. settles the transaction the step had open ({@link settleTransaction}): waits until its backend has
 *    left it (a COMMIT still on its way finishes), and ends it if it sits idle, never committed (a
 *    CommitTransaction the service dropped; the Data API would otherwise keep it, and its locks, for 3
 *    minutes); for a statement sent outside a transaction, waits until it no longer runs;
 * 2. reads the schema history again and plans from what it records (`replan.ts`): every step writes its
 *    schema history row in its own transaction, so the history says whether the step happened.
 */
import type { Driver } from '../../driver/driver';
import type { Log } from '../../observability/log';
import type { OutsideStatement, TransactionSession } from './long-statement';
import { sleep } from './retry';
import { describeError, resendable, type TransientRetryOptions } from './transient';

export class OutcomeUnknownError extends Error {
  override readonly name = 'OutcomeUnknownError';
  constructor(
    /** The transient error of the call. */
    readonly error: unknown,
    /** The step's transaction, when it had one and its opening statement ran. */
    readonly session: TransactionSession | undefined,
    /** The statement sent outside a transaction, which may still run on the server. */
    readonly running?: OutsideStatement,
  ) {
    super(`the outcome of a step is unknown: ${describeError(error)}`, { cause: error });
  }
}

interface BackendRow extends Record<string, string | boolean | null> {
  state: string | null;
  terminated: boolean | null;
}

/**
 * Makes sure the transaction `session` is over: polls pg_stat_activity for its backend in that
 * transaction (same pid and transaction start) every `pollMs`; while it runs a statement (a COMMIT on
 * its way), waits; once it has sat idle in the transaction for `graceMs` (it may still end on its own),
 * terminates that backend (pg_terminate_backend: PostgreSQL docs 9.28.2 "Server Signaling
 * Functions"), which rolls it back. Returns when the backend has left the transaction.
 * @param options.graceMs @default `transientRetry.abandonedTransactionGraceMs`, else 0
 * @throws {Error} when the transaction is still running after `maxWaitMs`
 */
export async function settleTransaction(
  driver: Driver,
  session: TransactionSession,
  log: Log,
  options: { pollMs?: number; maxWaitMs?: number; graceMs?: number; transientRetry?: TransientRetryOptions } = {},
): Promise<void> {
  const pollMs = options.pollMs ?? 200;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const graceMs = options.graceMs ?? options.transientRetry?.abandonedTransactionGraceMs ?? 0;
  const started = Date.now();
  for (;;) {
    const terminate = Date.now() - started >= graceMs;
    const { rows } = await resendable('settle a transaction with a lost commit', options.transientRetry, log, () =>
      driver.execute<BackendRow>(
        `SELECT a.state, CASE WHEN :terminate AND a.state LIKE 'idle in transaction%' THEN pg_terminate_backend(a.pid) END AS terminated
FROM pg_stat_activity a
WHERE a.pid = :pid AND a.xact_start = :xact_start::timestamptz AND a.datname = current_database()`,
        { pid: session.pid, xact_start: session.xactStart, terminate },
      ),
    );
    const backend = rows[0];
    if (!backend) return;
    if (backend.terminated) log.warn('ended a transaction whose commit was lost', { pid: session.pid });
    if (Date.now() - started >= maxWaitMs) {
      throw new Error(`the transaction of backend ${session.pid} is still ${backend.state} after ${maxWaitMs} ms; check pg_stat_activity before running again`);
    }
    await sleep(pollMs);
  }
}
