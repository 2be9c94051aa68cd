import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** How the default snapshot bucket is created. */
export interface SnapshotBucketOptions {
  /** Key prefix of the snapshots, ending in `/` (the retention rule applies under it). */
  readonly prefix: string;
  /** SSE-KMS with this key (and an S3 Bucket Key); @default SSE-S3 */
  readonly encryptionKey?: kms.IKey;
  /** Snapshot objects expire this long after they are written (whole days); @default never */
  readonly retention?: Duration;
}

/**
 * Creates the default snapshot bucket: encrypted (SSE-S3, or SSE-KMS with the given key and an S3
 * Bucket Key, which cuts KMS requests), TLS-only access (a bucket policy denying
 * `aws:SecureTransport = false`), all public access blocked, ACLs disabled, versioned (an overwritten
 * or deleted snapshot object stays recoverable), incomplete multipart uploads aborted after 7 days, and
 * RETAIN on delete: snapshots outlive the stack and are never dropped with it.
 *
 * With `retention`, a lifecycle rule expires the objects under the prefix that many days after they
 * were written, and their noncurrent versions (the bucket is versioned) that many days after they
 * became noncurrent (S3 lifecycle "Expiration" and "NoncurrentVersionExpiration").
 */
export function createSnapshotBucket(scope: Construct, id: string, options: SnapshotBucketOptions): s3.Bucket {
  const lifecycleRules: s3.LifecycleRule[] = [{ id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }];
  if (options.retention) {
    lifecycleRules.push({
      id: 'ExpireSnapshots',
      prefix: options.prefix,
      expiration: options.retention,
      noncurrentVersionExpiration: options.retention,
    });
  }
  return new s3.Bucket(scope, id, {
    ...(options.encryptionKey
      ? { encryption: s3.BucketEncryption.KMS, encryptionKey: options.encryptionKey, bucketKeyEnabled: true }
      : { encryption: s3.BucketEncryption.S3_MANAGED }),
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules,
  });
}
