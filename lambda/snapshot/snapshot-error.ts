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
 * The snapshot's `timeBudget` (the function's invocation) ran out while it exported, or the pace of its
 * export showed that it would (`engine/run/work-pace.ts`): thrown from the page that found no time left
 * or the rest too slow to fit, so that the snapshot fails cleanly (uploads aborted, objects deleted, no
 * manifest) before Lambda stops the function. The `SnapshotError` thrown then has it as its `cause`.
 */
export class SnapshotOutOfTime extends Error {
  override readonly name = 'SnapshotOutOfTime';
}
