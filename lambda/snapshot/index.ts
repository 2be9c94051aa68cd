/**
 * Snapshots to S3: consistent, paged export of a database's tables through the driver (so over the
 * Data API too) into gzip'd lines (`line-format.ts`), with a manifest written last (`take-snapshot.ts`); its scope and
 * budget (`scope/`, `budget/`); restore (`restore/restore-snapshot.ts`); retention (`retention/`).
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
export { SnapshotError, SnapshotOutOfTime } from './snapshot-error';
export type { SnapshotLocation } from './snapshot-location';
export { DEFAULT_PAGING, DEFAULT_RECORDS_PAGING, resolvePaging, type PageFormat, type PagingOptions } from './paging-options';
export {
  restoreSnapshot, type RestoreProgress, type RestoreReport, type RestoreSnapshotOptions, type RestoredTable,
} from './restore/restore-snapshot';
export { RestoreError, type RestoreFailureKind } from './restore/restore-error';
export type { RestoreTransaction } from './restore/restore-checks';
export { planSnapshotScope, SNAPSHOT_SCOPES, type PlanScopeOptions, type ScopePlan, type SnapshotScope } from './scope/snapshot-scope';
export { migrationTouchesSchema, type MigrationTouches, type TouchedRelation } from './scope/migration-touches';
export { affectedTables, type AffectedTables } from './scope/affected-tables';
// Not exported here: scope/touched-relations.ts loads the SQL parser (bundle time and CLI only).
export { estimateSnapshot, type SnapshotEstimate, type TableEstimate } from './budget/estimate-size';
export { checkSnapshotBudget, DEFAULT_EXPORT_BYTES_PER_SECOND, SnapshotBudgetError, type SnapshotBudget } from './budget/snapshot-budget';
export { pruneSnapshots, type PruneOptions, type PruneResult } from './retention/prune-snapshots';
