/**
 * The batch loop of data migrations (`DataMigrationContext.batches`): each batch runs in a transaction
 * of its own, opened with the migration's timeouts, together with its checkpoint
 * (`progress.ts`), so a batch is either done and recorded or neither. A loop continues after its last
 * checkpoint, so a run cut off (time budget, crash, Lambda timeout) loses at most the batch in
 * flight, which is rolled back.
 *
 * Failures: a lock timeout retries the batch (the migration's `retries`); a transient failure before
 * the commit runs the batch again; a commit whose outcome is unknown is settled and resolved by reading
 * the checkpoint back (its batch count says whether it committed).
 */
import type { Driver, Transaction } from '../../driver/driver';
import { DatabaseError } from '../../driver/errors';
import type { Log } from '../../observability/log';
import { LockLostError } from '../errors';
import { LEASE_LOST_SQLSTATE } from '../history/commit-check';
import type { HistoryTables } from '../history/tables';
import type { Lease } from '../lock/lease';
import { settleTransaction } from '../run/outcome-unknown';
import { withLockRetry, RetriesExhausted, type RetryOptions } from '../run/retry';
import { retriableBeforeCommit, rollbackQuietly, sessionOf } from '../run/run-step';
import { openerSelect, type TimeoutOptions } from '../run/timeouts';
import { backoffTransient, isTransientFailure, resendable, type TransientRetryOptions } from '../run/transient';
import type { TransactionSession } from '../run/long-statement';
import type { BatchesReport, BatchFunction, BatchResult } from './data-migration';
import { openCheckpoint, readCheckpoint, writeCheckpoint, type Checkpoint, type LoopKey } from './progress';

export interface BatchDeps {
  readonly driver: Driver;
  readonly tables: HistoryTables;
  readonly lease: Lease;
  readonly log: Log;
  readonly timeouts: TimeoutOptions;
  readonly retry: RetryOptions;
  readonly transientRetry?: TransientRetryOptions;
  /** Time the run may still spend, ms, or undefined without a time budget. */
  readonly spendableMs: () => number | undefined;
  /** Batches run by this run so far (over all loops), for the report. */
  readonly counter: { batches: number };
  /** Called after each batch with the loop's counts so far (`DataMigrationProgress` without the migration). @default none */
  readonly onBatch?: (loop: LoopProgress) => void;
}

/** A batch loop's progress: its report so far, whether it finished, and the rows expected when known. */
export interface LoopProgress extends BatchesReport {
  readonly finished: boolean;
  /** ms since the loop started in this run. */
  readonly elapsedMs: number;
  readonly estimatedTotalRows?: number;
}

/** The run's time budget is too short for another batch: the run stops here, cleanly. */
export class DataMigrationStopped extends Error {
  override readonly name = 'DataMigrationStopped';
  constructor(
    /** Batches run by this run before it stopped. */
    readonly batches: number,
  ) {
    super(`the time budget is used up after ${batches} batch(es) in this run; the next run continues after the last checkpoint`);
  }
}

function checkResult(result: BatchResult | undefined, key: LoopKey): BatchResult {
  if (
    !result ||
    !Number.isInteger(result.rows) ||
    result.rows < 0 ||
    !(result.cursor === null || typeof result.cursor === 'string') ||
    (result.done !== undefined && typeof result.done !== 'boolean')
  ) {
    throw new Error(
      `batch "${key.name}" of data migration ${key.version} must return { rows: whole number >= 0, cursor: string | null, done?: boolean }, got ${JSON.stringify(result)}`,
    );
  }
  return result;
}

/** One batch in its transaction with its checkpoint; returns the new checkpoint. */
async function oneBatch(deps: BatchDeps, key: LoopKey, fn: BatchFunction, checkpoint: Checkpoint): Promise<Checkpoint> {
  const { driver, log } = deps;
  for (let attempt = 1; ; attempt++) {
    let tx: Transaction | undefined;
    let session: TransactionSession | undefined;
    let next: Checkpoint;
    try {
      tx = await resendable('begin a batch', deps.transientRetry, log, () => driver.beginTransaction());
      const opened = await tx.execute(openerSelect(deps.timeouts), { lease_token: deps.lease.token });
      session = sessionOf(opened.rows[0]);
      const result = checkResult(await fn({ tx, cursor: checkpoint.cursor, number: checkpoint.batches + 1 }), key);
      const finished = result.done ?? result.rows === 0;
      const written = await writeCheckpoint(tx, deps.tables, key, {
        after: checkpoint.batches,
        cursor: result.cursor,
        rows: result.rows,
        finished,
        leaseToken: deps.lease.token,
      });
      if (written !== 1) throw new LockLostError(deps.lease.owner);
      next = { cursor: result.cursor, rowsDone: checkpoint.rowsDone + result.rows, batches: checkpoint.batches + 1, finished };
    } catch (error) {
      await rollbackQuietly(tx, log);
      if (retriableBeforeCommit(error) && (await backoffTransient(`run batch ${key.name}`, attempt, error, deps.transientRetry, log))) continue;
      throw error;
    }
    try {
      await tx.commit();
      return next;
    } catch (error) {
      if (error instanceof DatabaseError) {
        if (error.sqlState === LEASE_LOST_SQLSTATE) throw new LockLostError(deps.lease.owner);
        if (isTransientFailure(error) && (await backoffTransient(`commit batch ${key.name}`, attempt, error, deps.transientRetry, log))) continue;
        throw error;
      }
      if (!retriableBeforeCommit(error)) throw error;
      if (session) await settleTransaction(driver, session, log, deps.transientRetry ? { transientRetry: deps.transientRetry } : {});
      const stored = await resendable('read a checkpoint', deps.transientRetry, log, () => readCheckpoint(driver, deps.tables, key));
      if (stored && stored.batches === next.batches) return stored;
      if (!(await backoffTransient(`run batch ${key.name}`, attempt, error, deps.transientRetry, log))) throw error;
    }
  }
}

/** Hands a batch's progress to `onBatch`; a listener's error is logged, never fails the batch loop. */
function reportBatch(deps: BatchDeps, loop: LoopProgress): void {
  if (!deps.onBatch) return;
  try {
    deps.onBatch(loop);
  } catch (error) {
    deps.log.warn('data migration progress listener failed', { name: loop.name, error: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * Runs the batch loop `key` to its end or until the time budget is too short for another batch
 * (less than twice the longest batch of this run is left), reporting each batch to `deps.onBatch`.
 * @param estimatedRows rows the loop is expected to change in all, for the progress reports
 * @throws {DataMigrationStopped} when it stops for the time budget
 * @throws {LockLostError} when the lease was lost; the batch's error otherwise (unwrapped from lock retries)
 */
export async function runBatches(deps: BatchDeps, key: LoopKey, fn: BatchFunction, estimatedRows?: number): Promise<BatchesReport> {
  const { log } = deps;
  let checkpoint = await resendable('open a checkpoint', deps.transientRetry, log, () => openCheckpoint(deps.driver, deps.tables, key));
  let batches = 0;
  let rows = 0;
  let longestMs = 0;
  const loopStarted = Date.now();
  if (!checkpoint.finished && checkpoint.batches > 0) log.info('batches resume after their checkpoint', { version: key.version, name: key.name, batches: checkpoint.batches, rows: checkpoint.rowsDone });
  while (!checkpoint.finished) {
    const spendable = deps.spendableMs();
    if (spendable !== undefined && (spendable <= 0 || spendable < 2 * longestMs)) throw new DataMigrationStopped(deps.counter.batches);
    deps.lease.assertHeld();
    const started = Date.now();
    const before = checkpoint;
    try {
      ({ result: checkpoint } = await withLockRetry(() => oneBatch(deps, key, fn, before), deps.retry, ({ attempt, delayMs }) =>
        log.warn('lock timeout in a batch, retrying', { version: key.version, name: key.name, attempt, delayMs }),
      ));
    } catch (error) {
      throw error instanceof RetriesExhausted ? error.error : error;
    }
    longestMs = Math.max(longestMs, Date.now() - started);
    batches += 1;
    rows += checkpoint.rowsDone - before.rowsDone;
    deps.counter.batches += 1;
    reportBatch(deps, {
      name: key.name,
      batches,
      rows,
      totalBatches: checkpoint.batches,
      totalRows: checkpoint.rowsDone,
      finished: checkpoint.finished,
      elapsedMs: Date.now() - loopStarted,
      ...(estimatedRows !== undefined ? { estimatedTotalRows: estimatedRows } : {}),
    });
  }
  log.info('batches finished', { version: key.version, name: key.name, batchesThisRun: batches, rowsThisRun: rows, totalBatches: checkpoint.batches, totalRows: checkpoint.rowsDone });
  return { name: key.name, batches, rows, totalBatches: checkpoint.batches, totalRows: checkpoint.rowsDone };
}
