import type { S3Client } from '@aws-sdk/client-s3';
import type { Driver } from '../driver/driver';
import type { LockOptions } from '../engine/lock/lease';
import type { MigrationBundle } from '../migrations/bundle';
import type { Log } from '../observability/log';

/** Where snapshots go. Absent: snapshots are off (the construct always configures a bucket). */
export interface SnapshotTarget {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Key prefix, '' or ending in `/`. */
  readonly prefix: string;
}

/**
 * Everything an action needs, built by its caller: the Lambda handler (Data API driver, env config)
 * or the CLI (pg or Data API driver, flags). The actions are the one engine both call.
 */
export interface ActionContext {
  readonly driver: Driver;
  readonly bundle: MigrationBundle;
  /** Schemas covered by snapshots. */
  readonly schemas: readonly string[];
  readonly snapshots?: SnapshotTarget;
  /** Recorded as `applied_by` in the schema history and shown as the lock's owner. */
  readonly appliedBy: string;
  /** How migrate waits for the lock another runner holds, and the lease length. @default engine defaults (fail at once, 60 s lease) */
  readonly lock?: LockOptions;
  readonly log: Log;
}
