import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { silentLog, type Log } from '../../observability/log';
import { databasePrefix, parseSnapshotKey } from '../keys';
import { snapshotIdTime } from '../snapshot-id';
import type { SnapshotLocation } from '../snapshot-location';

export interface PruneOptions {
  /** Complete snapshots to keep, the newest ones (at least 1). */
  readonly keep: number;
  /**
   * Incomplete snapshots (objects without a manifest: failed, or cut short by a timeout) older than this
   * are deleted, hours from the start time in their id; younger ones may still be running. @default 24
   */
  readonly incompleteAfterHours?: number;
  /** Snapshot ids never deleted (e.g. the one just taken). */
  readonly protect?: readonly string[];
  /** @default the current time */
  readonly now?: Date;
  /** @default silentLog */
  readonly log?: Log;
}

export interface PruneResult {
  /** Complete snapshots kept, newest first. */
  readonly kept: string[];
  /** Complete snapshots deleted, newest first. */
  readonly deleted: string[];
  /** Incomplete snapshots whose objects were deleted. */
  readonly incompleteDeleted: string[];
  /** Objects deleted. */
  readonly objects: number;
}

/** Keys per DeleteObjects call (S3's maximum). */
const DELETE_BATCH = 1000;

/**
 * Retention in the function: keeps the `keep` newest complete snapshots of the database and deletes the
 * objects of older ones, and of incomplete snapshots older than `incompleteAfterHours`. A snapshot's
 * manifest is deleted before its table objects, so that a snapshot cut short while being deleted is never
 * listed as complete. Lists the database's keys (one ListObjectsV2 call per 1,000 keys) and deletes in
 * DeleteObjects calls of up to 1,000 keys. S3 lifecycle rules (the construct's `snapshotRetention`)
 * expire objects by age independently of this.
 *
 * @throws {Error} when `keep` is not a whole number of at least 1, naming the field; S3's error, or one
 *   naming the keys S3 could not delete
 */
export async function pruneSnapshots(location: SnapshotLocation, options: PruneOptions): Promise<PruneResult> {
  if (!Number.isInteger(options.keep) || options.keep < 1) throw new Error(`keep: ${options.keep} must be a whole number of at least 1`);
  const incompleteAfterHours = options.incompleteAfterHours ?? 24;
  if (!(incompleteAfterHours >= 0)) throw new Error(`incompleteAfterHours: ${incompleteAfterHours} must be at least 0`);
  const log = options.log ?? silentLog;
  const now = (options.now ?? new Date()).getTime();
  const protect = new Set(options.protect ?? []);

  const snapshots = new Map<string, { manifest?: string; objects: string[] }>();
  let token: string | undefined;
  do {
    const page = await location.s3.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: databasePrefix(location), ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const parsed = object.Key ? parseSnapshotKey(location, object.Key) : null;
      if (!parsed) continue;
      const entry = snapshots.get(parsed.snapshotId) ?? { objects: [] };
      if (parsed.kind === 'manifest') entry.manifest = object.Key!;
      else entry.objects.push(object.Key!);
      snapshots.set(parsed.snapshotId, entry);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);

  const complete = [...snapshots.keys()].filter((id) => snapshots.get(id)!.manifest).sort().reverse();
  const kept = complete.slice(0, options.keep);
  const deleted = complete.slice(options.keep).filter((id) => !protect.has(id));
  const incompleteDeleted = [...snapshots.keys()]
    .filter((id) => !snapshots.get(id)!.manifest && !protect.has(id))
    .filter((id) => now - snapshotIdTime(id).getTime() > incompleteAfterHours * 3_600_000)
    .sort()
    .reverse();

  // Manifests first: from then on these snapshots are incomplete, whatever happens next.
  const manifests = deleted.map((id) => snapshots.get(id)!.manifest!);
  const objects = [...deleted, ...incompleteDeleted].flatMap((id) => snapshots.get(id)!.objects);
  await deleteKeys(location, manifests);
  await deleteKeys(location, objects);
  if (deleted.length + incompleteDeleted.length > 0) {
    log.info('old snapshots deleted', { database: location.database, kept: kept.length, deleted: deleted.length, incomplete: incompleteDeleted.length, objects: manifests.length + objects.length });
  }
  return { kept: [...kept, ...complete.slice(options.keep).filter((id) => protect.has(id))], deleted, incompleteDeleted, objects: manifests.length + objects.length };
}

async function deleteKeys(location: SnapshotLocation, keys: readonly string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += DELETE_BATCH) {
    const batch = keys.slice(start, start + DELETE_BATCH);
    const result = await location.s3.send(
      new DeleteObjectsCommand({ Bucket: location.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
    );
    const errors = result.Errors ?? [];
    if (errors.length > 0) {
      throw new Error(`S3 did not delete ${errors.length} snapshot object(s): ${errors.slice(0, 3).map((e) => `${e.Key} (${e.Code}: ${e.Message})`).join(', ')}`);
    }
  }
}
