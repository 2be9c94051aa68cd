/**
 * Snapshots to S3: consistent, paged export of a database's tables through the driver (so over the
 * Data API too) into gzip'd JSON lines, with a manifest written last. See `take-snapshot.ts`.
 */
export { DEFAULT_PARALLELISM, takeSnapshot, type TakeSnapshotOptions, type SnapshotProgress, type SnapshotResult, type SnapshotTableResult } from './take-snapshot';
export { listSnapshots, type SnapshotListing } from './list-snapshots';
export { readManifest, writeManifest, manifestExists, SnapshotNotFoundError } from './manifest-store';
export {
  MANIFEST_FORMAT_VERSION, ManifestError, parseManifest, serializeManifest,
  type ManifestColumn, type ManifestFormatVersion, type ManifestScope, type ManifestSequence, type ManifestTable, type SnapshotManifest,
} from './manifest';
export {
  assertKeyPrefix, databasePrefix, decodeKeySegment, encodeKeySegment, manifestKey, parseSnapshotKey, snapshotPrefix, tableObjectKey,
  type KeyScope, type TableName,
} from './keys';
export { SNAPSHOT_ID_PATTERN, assertSnapshotId, newSnapshotId, snapshotIdTime } from './snapshot-id';
export { SnapshotError } from './snapshot-error';
export type { SnapshotLocation } from './snapshot-location';
export { DEFAULT_PAGING, DEFAULT_RECORDS_PAGING, resolvePaging, type PageFormat, type PagingOptions } from './paging-options';
