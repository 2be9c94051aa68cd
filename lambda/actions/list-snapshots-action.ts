import { listSnapshots, readManifest } from '../snapshot';
import type { ActionContext } from './action-context';
import { SnapshotsDisabledError } from './snapshot-action';

/** One complete snapshot as `list-snapshots` reports it (from its manifest). */
export interface ListedSnapshot {
  readonly snapshotId: string;
  /** When the manifest was written (ISO 8601), if S3 said. */
  readonly completedAt?: string;
  /** Highest applied migration version when it was taken. */
  readonly schemaVersion: string | null;
  readonly scope: 'full' | 'affected';
  readonly tables: number;
  readonly totalRows: number;
  /** Uncompressed JSON lines, bytes. */
  readonly bytes: number;
  /** The objects' size (gzip), bytes. */
  readonly compressedBytes: number;
  /** `s3://bucket/key` of the manifest. */
  readonly manifest: string;
}

export interface ListSnapshotsReport {
  readonly action: 'list-snapshots';
  readonly database: string;
  readonly bucket: string;
  readonly prefix: string;
  /** Complete snapshots, newest first, at most `limit`. */
  readonly snapshots: ListedSnapshot[];
  /** Complete snapshots in all. */
  readonly total: number;
}

/**
 * The complete snapshots of the context's database, newest first (`listSnapshots`), each described from
 * its manifest (one GetObject per snapshot listed, at most `limit`). Reads S3 only.
 * @param options.limit snapshots described, 1 to 1,000 @default 20
 * @throws {SnapshotsDisabledError} when no bucket is configured
 * @throws {Error} on a bad `limit`; S3's error; ManifestError for a manifest that cannot be read
 */
export async function runListSnapshots(ctx: ActionContext, options: { readonly limit?: number } = {}): Promise<ListSnapshotsReport> {
  const target = ctx.snapshots;
  if (!target) throw new SnapshotsDisabledError();
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error(`limit: ${limit} must be a whole number from 1 to 1000`);
  const location = { s3: target.s3, bucket: target.bucket, prefix: target.prefix, database: ctx.driver.database };
  const listed = await listSnapshots(location);
  const snapshots: ListedSnapshot[] = [];
  for (const found of listed.slice(0, limit)) {
    const manifest = await readManifest({ ...location, snapshotId: found.snapshotId });
    snapshots.push({
      snapshotId: found.snapshotId,
      ...(found.completedAt ? { completedAt: found.completedAt.toISOString() } : {}),
      schemaVersion: manifest.schemaVersion,
      scope: manifest.scope ?? 'full',
      tables: manifest.tables.length,
      totalRows: manifest.totalRows,
      bytes: manifest.tables.reduce((sum, t) => sum + t.bytes, 0),
      compressedBytes: manifest.tables.reduce((sum, t) => sum + t.compressedBytes, 0),
      manifest: `s3://${target.bucket}/${found.manifestKey}`,
    });
  }
  return { action: 'list-snapshots', database: ctx.driver.database, bucket: target.bucket, prefix: target.prefix, snapshots, total: listed.length };
}
