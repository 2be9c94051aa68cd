/**
 * Why a restore stopped:
 * - `confirmation`: the confirmation does not repeat the snapshot id;
 * - `snapshot`: the snapshot is incomplete (no manifest, a table object missing), corrupt (not gzip, a
 *   last line without its end) or does not match its manifest (size, row count, checksum, key);
 * - `database`: the target database cannot take the snapshot as it is (a table or column missing, a
 *   table outside the snapshot references one of its tables, another schema version);
 * - `verification`: after loading, the tables do not hold the snapshot's rows (row count or digest);
 * - `load`: a statement failed while loading (a constraint, a type, the connection, a line PostgreSQL
 *   cannot read as a row: an object whose checksum matches its manifest only holds such a line when the
 *   manifest itself was edited);
 * - `time-budget`: the invocation's time ran out (`restoreSnapshot`'s `timeBudget`) before the restore
 *   began, or between two of its batches, or the rate of its loading so far showed that it could not
 *   finish in the time left (`engine/run/work-pace.ts`): a restore must finish in one invocation.
 */
export type RestoreFailureKind = 'confirmation' | 'snapshot' | 'database' | 'verification' | 'load' | 'time-budget';

/**
 * A restore that did not complete. `databaseChanged` says whether anything was committed: false when
 * the restore was refused before it began or ran in one transaction that was rolled back (the database
 * is as it was); true only for a `per-table` restore that failed after its first commit (the message
 * then names the tables already restored).
 */
export class RestoreError extends Error {
  override readonly name = 'RestoreError';
  constructor(
    message: string,
    readonly kind: RestoreFailureKind,
    readonly snapshotId: string,
    readonly databaseChanged: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Thrown by `loadTable` when the rows a table holds after a batch are not the snapshot's lines (a type
 * whose rendering does not read back, a column whose type or typmod differs from the snapshot's): the
 * message names the lines by number, never their content. A restore reports it as `verification`.
 */
export class RestoredRowsDiffer extends Error {
  override readonly name = 'RestoredRowsDiffer';
}
