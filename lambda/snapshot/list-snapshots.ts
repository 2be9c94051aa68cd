import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { databasePrefix, parseSnapshotKey } from './keys';
import type { SnapshotLocation } from './snapshot-location';

/** A complete snapshot, as listed. */
export interface SnapshotListing {
  readonly snapshotId: string;
  readonly manifestKey: string;
  /** When the manifest was written (S3 LastModified), if S3 said. */
  readonly completedAt?: Date;
}

/**
 * The complete snapshots of a database (those with a manifest), newest first (snapshot ids sort by
 * time). Snapshots that failed or are still running have table objects but no manifest, and are left
 * out. Lists every key under `<prefix><database>/`, `keysPerCall` (default and S3's maximum: 1,000) per
 * ListObjectsV2 call.
 */
export async function listSnapshots(location: SnapshotLocation, options: { readonly keysPerCall?: number } = {}): Promise<SnapshotListing[]> {
  const prefix = databasePrefix(location);
  const found: SnapshotListing[] = [];
  let token: string | undefined;
  do {
    const page = await location.s3.send(
      new ListObjectsV2Command({ Bucket: location.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: options.keysPerCall }),
    );
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      const parsed = parseSnapshotKey(location, object.Key);
      if (parsed?.kind === 'manifest') {
        found.push({ snapshotId: parsed.snapshotId, manifestKey: object.Key, ...(object.LastModified ? { completedAt: object.LastModified } : {}) });
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found.sort((a, b) => (a.snapshotId < b.snapshotId ? 1 : a.snapshotId > b.snapshotId ? -1 : 0));
}
