/**
 * Statements that outlive their Data API call. A call waits at most 45 s for its statement
 * (`/work/shared/data-api-reference.md`, "statement wait"); the engine sends every migration statement
 * with `continueAfterTimeout`, so past the wait the call fails with StatementTimeoutException while the
 * statement goes on on the server (the migration's own `statement_timeout`, when set, still bounds
 * it). The engine then waits for it, polling every `pollMs`, logging progress every `progressLogMs`
 * (pg_stat_activity, and pg_stat_progress_create_index for index builds: PostgreSQL docs 27.4
 * "Progress Reporting"), and gives up after `maxWaitMs`:
 *
 * - in a transaction ({@link awaitInTransaction}): the Data API answers any call on the transaction
 *   with "Transaction is still running a query" until the statement ends; a probe that goes through
 *   means it succeeded and the migration continues; a transaction that is gone means it failed (the
 *   Data API rolls a transaction back on an error). Past the bound the statement is cancelled
 *   (pg_cancel_backend on the transaction's backend, identified by pid and transaction start) and
 *   the transaction rolled back: nothing of the migration stays applied.
 * - outside a transaction ({@link awaitOutsideTransaction}): the statement runs on a pooled
 *   connection; it counts as running while pg_stat_activity shows that backend (the
 *   StatementTimeoutException's `dbConnectionId`, else any backend) active with the statement's
 *   text. Its outcome is then checked where the database shows it (a CREATE INDEX CONCURRENTLY's
 *   index is valid, a DROP INDEX CONCURRENTLY's index is gone: `concurrent-index.ts`); for other
 *   statements the Data API reports no outcome, which is logged. Past the bound the statement is left
 *   running (cancelling a concurrent index build would only leave an INVALID index): the migration
 *   fails, and the next migrate resumes at that statement.
 */
import type { Driver, Executor, Transaction } from '../../driver/driver';
import { DriverError } from '../../driver/errors';
import type { Log } from '../../observability/log';
import { sleep } from './retry';
import { describeError, isTransientFailure, resendable, type TransientRetryOptions } from './transient';

export interface LongStatementOptions {
  /** Longest wait for a statement that outlived its call, ms. @default 600000 (10 min) */
  readonly maxWaitMs?: number;
  /** Interval between checks, ms. @default 2000 */
  readonly pollMs?: number;
  /** Interval between progress log lines, ms. @default 30000 */
  readonly progressLogMs?: number;
}

export const DEFAULT_LONG_STATEMENT = { maxWaitMs: 600_000, pollMs: 2000, progressLogMs: 30_000 } as const;

/** The backend and transaction start of an engine transaction (see `timeouts.ts`). */
export interface TransactionSession {
  readonly pid: number;
  /** transaction_timestamp() as text, compared with pg_stat_activity.xact_start. */
  readonly xactStart: string;
}

/** Where the waiting happens, for logs and errors. */
export interface WaitContext {
  readonly driver: Driver;
  readonly log: Log;
  readonly options?: LongStatementOptions;
  readonly transientRetry?: TransientRetryOptions;
  /** How long the run may still wait, ms (its time budget), when it has one. */
  readonly budgetMs?: () => number | undefined;
  /** e.g. `0022_add_ocr_indexes/up.sql line 4` */
  readonly label: string;
}

/** The statement could not be waited for to the end, or ended badly after its call. */
export class LongStatementError extends Error {
  override readonly name = 'LongStatementError';
  constructor(
    message: string,
    /** How long the engine waited after the call ended, ms. */
    readonly waitedMs: number,
  ) {
    super(message);
  }
}

/** True when a statement's call ended at the Data API's wait while the statement goes on. */
export function outlivedItsCall(error: unknown): boolean {
  return error instanceof DriverError && error.kind === 'statement-timeout';
}

/** The backend that ran the statement, from the StatementTimeoutException's `dbConnectionId`, if given. */
export function connectionIdOf(error: unknown): number | undefined {
  const cause = error instanceof Error ? (error.cause as { dbConnectionId?: unknown } | undefined) : undefined;
  const id = cause?.dbConnectionId;
  return typeof id === 'number' && Number.isInteger(id) && id > 0 ? id : undefined;
}

function settings(context: WaitContext): { maxWaitMs: number; pollMs: number; progressLogMs: number } {
  const o = context.options ?? {};
  const budget = context.budgetMs?.();
  const maxWaitMs = o.maxWaitMs ?? DEFAULT_LONG_STATEMENT.maxWaitMs;
  return {
    maxWaitMs: budget === undefined ? maxWaitMs : Math.max(0, Math.min(maxWaitMs, budget)),
    pollMs: o.pollMs ?? DEFAULT_LONG_STATEMENT.pollMs,
    progressLogMs: o.progressLogMs ?? DEFAULT_LONG_STATEMENT.progressLogMs,
  };
}

interface ActivityRow extends Record<string, string | number | null> {
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  running_ms: number | null;
  phase: string | null;
  blocks_done: number | null;
  blocks_total: number | null;
  tuples_done: number | null;
  tuples_total: number | null;
}

/** Logs what the backend is doing (state, wait event, index build phase and counts). Never throws. */
async function logProgress(context: WaitContext, pid: number | undefined, waitedMs: number): Promise<void> {
  const extra: Record<string, unknown> = { statement: context.label, waitedMs };
  if (pid !== undefined) {
    try {
      const { rows } = await context.driver.execute<ActivityRow>(
        `SELECT a.state, a.wait_event_type, a.wait_event, (extract(epoch FROM clock_timestamp() - a.query_start) * 1000)::bigint AS running_ms,
  p.phase, p.blocks_done, p.blocks_total, p.tuples_done, p.tuples_total
FROM pg_stat_activity a LEFT JOIN pg_stat_progress_create_index p ON p.pid = a.pid
WHERE a.pid = :pid AND a.datname = current_database()`,
        { pid },
      );
      const a = rows[0];
      if (a) {
        Object.assign(extra, { pid, state: a.state, runningMs: a.running_ms });
        if (a.wait_event) extra.waitEvent = `${a.wait_event_type}:${a.wait_event}`;
        if (a.phase) Object.assign(extra, { phase: a.phase, blocks: `${a.blocks_done}/${a.blocks_total}`, tuples: `${a.tuples_done}/${a.tuples_total}` });
      }
    } catch (error) {
      extra.progressUnavailable = describeError(error);
    }
  }
  context.log.info('long statement still running', extra);
}

/** True while the transaction's backend still runs a statement for it. */
const isBusy = (error: unknown): boolean => error instanceof DriverError && error.kind === 'busy';

/**
 * Cancels the statement running in the transaction `session` (only while that backend is still in
 * that transaction and active). Returns whether a cancel was sent.
 */
async function cancelInTransaction(context: WaitContext, session: TransactionSession): Promise<boolean> {
  const { rows } = await resendable('cancel a statement past its wait', context.transientRetry, context.log, () =>
    context.driver.execute<{ cancelled: boolean }>(
      `SELECT pg_cancel_backend(pid) AS cancelled FROM pg_stat_activity
WHERE pid = :pid AND xact_start = :xact_start::timestamptz AND state = 'active' AND datname = current_database()`,
      { pid: session.pid, xact_start: session.xactStart },
    ),
  );
  return rows[0]?.cancelled === true;
}

/**
 * Waits for a statement of transaction `tx` whose call ended at the Data API's wait (see the module
 * comment). Resolves when the statement has finished successfully (the transaction is usable again).
 * @param session the transaction's backend, from its opening statement; without it the statement
 *   cannot be cancelled past the bound (the transaction is then abandoned to the Data API's timeout)
 * @throws {LongStatementError} when the statement failed on the server (its transaction is gone), or
 *   still ran after `maxWaitMs` (it was cancelled and its transaction rolled back)
 */
export async function awaitInTransaction(context: WaitContext, tx: Transaction, session: TransactionSession | undefined): Promise<void> {
  const { maxWaitMs, pollMs, progressLogMs } = settings(context);
  const started = Date.now();
  let logged = started;
  let cancelled = false;
  context.log.info('statement outlived its Data API call, waiting for it', { statement: context.label, pid: session?.pid, maxWaitMs });
  for (;;) {
    await sleep(pollMs);
    const waitedMs = Date.now() - started;
    try {
      await tx.execute('SELECT 1 AS transaction_free');
      if (cancelled) {
        throw new LongStatementError(`${context.label} was still running after ${waitedMs} ms and could not be cancelled in time; its transaction was rolled back`, waitedMs);
      }
      context.log.info('long statement finished', { statement: context.label, waitedMs });
      return;
    } catch (probe) {
      if (probe instanceof LongStatementError) throw probe;
      if (probe instanceof DriverError && probe.kind === 'transaction-not-found') {
        throw new LongStatementError(
          cancelled
            ? `${context.label} was still running after ${maxWaitMs} ms: it was cancelled, and its transaction rolled back (nothing of the migration stays applied)`
            : `${context.label} failed on the server after its Data API call ended (the Data API reports no error for it; see the PostgreSQL log): its transaction was rolled back`,
          waitedMs,
        );
      }
      if (!isBusy(probe) && !isTransientFailure(probe)) throw probe;
    }
    if (Date.now() - logged >= progressLogMs) {
      logged = Date.now();
      await logProgress(context, session?.pid, waitedMs);
    }
    if (!cancelled && waitedMs >= maxWaitMs) {
      if (!session) {
        throw new LongStatementError(
          `${context.label} is still running after ${waitedMs} ms; its backend is unknown, so it was left to the Data API's transaction timeout`,
          waitedMs,
        );
      }
      context.log.warn('long statement past its bound, cancelling it', { statement: context.label, waitedMs, pid: session.pid });
      cancelled = await cancelInTransaction(context, session);
    }
  }
}

/** What an outside-transaction wait looks for. */
export interface OutsideStatement {
  readonly sql: string;
  /** The backend that ran it, when the Data API said (`connectionIdOf`). */
  readonly pid?: number;
  /** An index being built by it (pg_stat_progress_create_index also counts as running). */
  readonly index?: { readonly name: string; readonly table: string };
}

/**
 * Waits until a statement sent outside a transaction that outlived its call no longer runs on the
 * server (see the module comment). Checking what it did is the caller's.
 * @param options.cancelPastBound past `maxWaitMs`, cancel it (pg_cancel_backend on the backends
 *   running it) and wait for it to stop, then throw: for a statement that is atomic (a folded step),
 *   which the cancel rolls back whole
 * @throws {LongStatementError} when it still runs after `maxWaitMs` (left running, or cancelled)
 */
export async function awaitOutsideTransaction(context: WaitContext, statement: OutsideStatement, options: { cancelPastBound?: boolean } = {}): Promise<void> {
  const { maxWaitMs, pollMs, progressLogMs } = settings(context);
  const started = Date.now();
  let logged = started;
  let cancelled = false;
  context.log.info('statement outlived its Data API call, waiting for it', { statement: context.label, pid: statement.pid, maxWaitMs });
  for (;;) {
    const { rows } = await resendable('watch a long statement', context.transientRetry, context.log, () =>
      running(context.driver, statement),
    );
    const found = rows[0]!;
    const waitedMs = Date.now() - started;
    if (!found.running) {
      if (cancelled) {
        throw new LongStatementError(`${context.label} was still running after ${maxWaitMs} ms: it was cancelled (nothing of it was committed)`, waitedMs);
      }
      context.log.info('long statement finished', { statement: context.label, waitedMs });
      return;
    }
    if (Date.now() - logged >= progressLogMs) {
      logged = Date.now();
      await logProgress(context, found.pid ?? statement.pid, waitedMs);
    }
    if (waitedMs >= maxWaitMs && !cancelled) {
      if (!options.cancelPastBound) {
        throw new LongStatementError(
          `${context.label} is still running on the server after ${waitedMs} ms; it goes on there: run migrate again once it has finished`,
          waitedMs,
        );
      }
      context.log.warn('long statement past its bound, cancelling it', { statement: context.label, waitedMs, pid: found.pid });
      await resendable('cancel a statement past its wait', context.transientRetry, context.log, () => cancelOutside(context.driver, statement));
      cancelled = true;
    }
    await sleep(cancelled ? pollMs : Math.min(pollMs, Math.max(1, maxWaitMs - waitedMs)));
  }
}

/** Cancels the backends running `statement` (by pid when known, and by its text). */
function cancelOutside(db: Executor, statement: OutsideStatement) {
  return db.execute(
    `SELECT pg_cancel_backend(a.pid) AS cancelled FROM pg_stat_activity a
WHERE a.state = 'active' AND a.pid <> pg_backend_pid() AND a.datname = current_database() AND (:pid::integer IS NULL OR a.pid = :pid::integer)
  AND left(a.query, 900) = left(:sql::text, 900)`,
    { sql: statement.sql, pid: statement.pid ?? null },
  );
}

function running(db: Executor, statement: OutsideStatement) {
  return db.execute<{ running: boolean; pid: number | null }>(
    `WITH active AS (
  SELECT a.pid FROM pg_stat_activity a
  WHERE a.state = 'active' AND a.pid <> pg_backend_pid() AND a.datname = current_database()
    AND (:pid::integer IS NULL OR a.pid = :pid::integer)
    AND left(a.query, 900) = left(:sql::text, 900)
)
SELECT EXISTS (SELECT 1 FROM active)
    OR EXISTS (SELECT 1 FROM pg_stat_progress_create_index p JOIN pg_class c ON c.oid = p.index_relid
               WHERE p.datname = current_database() AND c.relname = :index_name::text AND p.relid = to_regclass(:index_table::text)) AS running,
  (SELECT min(pid) FROM active) AS pid`,
    { sql: statement.sql, pid: statement.pid ?? null, index_name: statement.index?.name ?? null, index_table: statement.index?.table ?? null },
  );
}
