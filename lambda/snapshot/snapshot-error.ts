import type { TableName } from './keys';

/**
 * A snapshot failed; no manifest was written, so the snapshot does not exist for list or restore.
 * `table` names the table being exported when it failed (absent when the failure came before or
 * after the tables, e.g. listing them or writing the manifest); `cause` is the original error.
 */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
  constructor(
    message: string,
    readonly snapshotId: string,
    readonly table?: TableName,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The snapshot's `timeBudget` (the function's invocation) ran out while it exported: thrown from the
 * page that found no time left, so that the snapshot fails cleanly (uploads aborted, objects deleted, no
 * manifest) before Lambda stops the function. The `SnapshotError` thrown then has it as its `cause`.
 */
export class SnapshotOutOfTime extends Error {
  override readonly name = 'SnapshotOutOfTime';
}
