/**
 * How old the newest complete snapshot of a database is, for the SnapshotAgeHours metric: hours from
 * the start time in its id (`YYYYMMDDTHHMMSSZ-...`, see `snapshot/snapshot-id.ts`) to `now`. Lists the
 * snapshot keys (one ListObjectsV2 call per 1,000 keys).
 */
import { listSnapshots, snapshotIdTime, type SnapshotLocation } from '../snapshot';

/**
 * @returns fractional hours, or undefined when the database has no complete snapshot
 * @throws the S3 client's error when the bucket cannot be listed
 */
export async function newestSnapshotAgeHours(location: SnapshotLocation, now: Date = new Date()): Promise<number | undefined> {
  const [newest] = await listSnapshots(location);
  if (!newest) return undefined;
  return Math.max(0, now.getTime() - snapshotIdTime(newest.snapshotId).getTime()) / 3_600_000;
}
