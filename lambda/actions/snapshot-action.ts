import { status } from '../engine/commands/status';
import { takeSnapshot } from '../snapshot';
import type { ActionContext, SnapshotTarget } from './action-context';

/** What a report says of one snapshot: enough to find it and to check it against the database. */
export interface SnapshotSummary {
  readonly snapshotId: string;
  /** `s3://bucket/key` of the manifest (written last: its presence means the snapshot is complete). */
  readonly manifest: string;
  /** Highest applied version when it was taken. */
  readonly schemaVersion: string | null;
  readonly tables: Array<{ readonly table: string; readonly rows: number; readonly key: string }>;
  readonly totalRows: number;
  readonly durationMs: number;
}

/** The snapshot was asked for but no bucket is configured. */
export class SnapshotsDisabledError extends Error {
  override readonly name = 'SnapshotsDisabledError';
  constructor() {
    super('Snapshots are not configured: set RDS_MIGRATE_SNAPSHOT_BUCKET (the construct sets it) or pass --snapshot-bucket');
  }
}

/**
 * Takes a snapshot of the context's schemas now, recording the applied versions in its manifest.
 * @throws {SnapshotsDisabledError} when no bucket is configured
 * @throws {SnapshotError} when a table cannot be exported or uploaded (no manifest is written then)
 */
export async function runSnapshot(ctx: ActionContext, target: SnapshotTarget | undefined = ctx.snapshots): Promise<SnapshotSummary> {
  if (!target) throw new SnapshotsDisabledError();
  const current = await status(ctx.driver, ctx.bundle);
  const appliedVersions = current.migrations
    .filter((m) => m.state === 'applied' || m.state === 'changed' || m.state === 'missing')
    .map((m) => m.version);
  const result = await takeSnapshot({
    driver: ctx.driver,
    s3: target.s3,
    bucket: target.bucket,
    prefix: target.prefix,
    schemas: ctx.schemas,
    schemaVersion: current.current,
    appliedVersions,
    log: ctx.log,
  });
  return {
    snapshotId: result.snapshotId,
    manifest: `s3://${target.bucket}/${result.manifestKey}`,
    schemaVersion: current.current,
    tables: result.tables.map((t) => ({ table: `${t.schema}.${t.table}`, rows: t.rowCount, key: t.key })),
    totalRows: result.totalRows,
    durationMs: result.durationMs,
  };
}
