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
